using System.Globalization;
using System.Text.Json;

namespace LocalOss.Notifications;

/// <summary>One OSS object event, as OSS writes it into <c>events[i]</c> (oss-protocol §10.1).</summary>
internal sealed record ObjectEvent(
    string EventName,
    string Region,
    string Bucket,
    string BucketOwner,
    string Key,
    long Size,
    string? ETag,
    long DeltaSize,
    string RequestId,
    string PrincipalId,
    string SourceIp,
    DateTimeOffset Time)
{
    public const string RuleId = "localoss";

    public string BucketArn => $"acs:oss:{Region}:{BucketOwner}:{Bucket}";

    public string EventTime => Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>The event object itself (what an EventBridge CloudEvent carries as <c>data</c>).</summary>
    public void WriteEvent(Utf8JsonWriter json)
    {
        ArgumentNullException.ThrowIfNull(json);
        json.WriteStartObject();
        json.WriteString("eventName", EventName);
        json.WriteString("eventSource", "acs:oss");
        json.WriteString("eventTime", EventTime);
        json.WriteString("eventVersion", "1.0");
        json.WriteStartObject("oss");
        json.WriteStartObject("bucket");
        json.WriteString("arn", BucketArn);
        json.WriteString("name", Bucket);
        json.WriteString("ownerIdentity", BucketOwner);
        json.WriteString("virtualBucket", "");
        json.WriteEndObject();
        json.WriteStartObject("object");
        json.WriteNumber("deltaSize", DeltaSize);
        if (ETag is not null)
        {
            json.WriteString("eTag", ETag);
        }

        json.WriteString("key", Key);
        json.WriteNumber("size", Size);
        json.WriteEndObject();
        json.WriteString("ossSchemaVersion", "1.0");
        json.WriteString("ruleId", RuleId);
        json.WriteEndObject();
        json.WriteString("region", Region);
        json.WriteStartObject("requestParameters");
        json.WriteString("sourceIPAddress", SourceIp);
        json.WriteEndObject();
        json.WriteStartObject("responseElements");
        json.WriteString("requestId", RequestId);
        json.WriteEndObject();
        json.WriteStartObject("userIdentity");
        json.WriteString("principalId", PrincipalId);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary><c>{"events":[…]}</c>: what MNS messages and Function Compute triggers carry.</summary>
    public byte[] ToEventsJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("events");
            WriteEvent(json);
            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
