using System.Text;
using System.Text.Json;

namespace OssCopy.Functions.Tests.Support;

/// <summary>OSS event JSON as OSS emits it (the field layout of the shared vectors), and its CloudEvent envelope.</summary>
public static class OssEvents
{
    public static string Json(string eventName, string bucket, string key, string? etag, string requestId, long size = 1) =>
        JsonSerializer.Serialize(new { events = new[] { Event(eventName, bucket, key, etag, requestId, size) } });

    public static object Event(string eventName, string bucket, string key, string? etag, string requestId, long size = 1) => new
    {
        eventName,
        eventSource = "acs:oss",
        eventTime = "2026-12-04T10:00:00.000Z",
        eventVersion = "1.0",
        region = "cn-hangzhou",
        oss = new
        {
            bucket = new { arn = $"acs:oss:cn-hangzhou:1234567890:{bucket}", name = bucket, ownerIdentity = "1234567890", virtualBucket = "" },
            @object = new { deltaSize = size, eTag = etag?.Trim('"'), key, size },
            ossSchemaVersion = "1.0",
            ruleId = "osscopy",
        },
        requestParameters = new { sourceIPAddress = "192.0.2.1" },
        responseElements = new { requestId },
        userIdentity = new { principalId = "1234567890" },
    };

    /// <summary>A structured-mode CloudEvent 1.0 as EventBridge posts it, the OSS event in <c>data</c>.</summary>
    public static byte[] CloudEvent(string eventName, string bucket, string key, string? etag, string requestId, string? id = null) =>
        Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["specversion"] = "1.0",
            ["id"] = id ?? Guid.NewGuid().ToString(),
            ["source"] = "acs.oss",
            ["type"] = "oss:" + eventName,
            ["subject"] = $"acs:oss:cn-hangzhou:1234567890:{bucket}/{key}",
            ["time"] = "2026-12-04T10:00:00Z",
            ["datacontenttype"] = "application/json;charset=utf-8",
            ["aliyunaccountid"] = "1234567890",
            ["data"] = Event(eventName, bucket, key, etag, requestId),
        }));
}
