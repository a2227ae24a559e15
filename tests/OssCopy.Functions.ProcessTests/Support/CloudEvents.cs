using System.Text;
using System.Text.Json;

namespace OssCopy.Functions.ProcessTests.Support;

/// <summary>An OSS object event in a structured-mode CloudEvent 1.0, as EventBridge posts it.</summary>
public static class CloudEvents
{
    public const string ContentType = "application/cloudevents+json; charset=utf-8";

    public static byte[] ObjectCreated(string bucket, string key, string etag, string requestId) =>
        Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["specversion"] = "1.0",
            ["id"] = Guid.NewGuid().ToString(),
            ["source"] = "acs.oss",
            ["type"] = "oss:ObjectCreated:PutObject",
            ["subject"] = $"acs:oss:cn-hangzhou:1234567890:{bucket}/{key}",
            ["time"] = "2026-12-04T10:00:00Z",
            ["datacontenttype"] = "application/json;charset=utf-8",
            ["aliyunaccountid"] = "1234567890",
            ["data"] = new
            {
                eventName = "ObjectCreated:PutObject",
                eventSource = "acs:oss",
                eventTime = "2026-12-04T10:00:00.000Z",
                eventVersion = "1.0",
                region = "cn-hangzhou",
                oss = new
                {
                    bucket = new { arn = $"acs:oss:cn-hangzhou:1234567890:{bucket}", name = bucket, ownerIdentity = "1234567890", virtualBucket = "" },
                    @object = new { deltaSize = 1, eTag = etag.Trim('"'), key, size = 1 },
                    ossSchemaVersion = "1.0",
                    ruleId = "osscopy",
                },
                requestParameters = new { sourceIPAddress = "192.0.2.1" },
                responseElements = new { requestId },
                userIdentity = new { principalId = "1234567890" },
            },
        }));
}
