using System.Globalization;
using System.Text.Json;

namespace OssCopy.Functions.Events;

/// <summary>
/// Reads OSS's event JSON: <c>{"events":[…]}</c> (MNS, Function Compute) or one event object (an EventBridge
/// CloudEvent's <c>data</c>). Fields other than those the app uses are tolerated: OSS adds fields over time.
/// </summary>
public static class OssEventParser
{
    public const int MaxDepth = 16;
    public const int MaxEvents = 100;

    public static IReadOnlyList<OssObjectEvent> Parse(ReadOnlySpan<byte> json, string path)
    {
        if (!System.Text.Unicode.Utf8.IsValid(json))
        {
            throw new EventFormatException(path, "is not valid UTF-8.");
        }

        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = MaxDepth });
            using var document = JsonDocument.ParseValue(ref reader);
            if (reader.BytesConsumed != json.Length && !IsWhitespace(json[(int)reader.BytesConsumed..]))
            {
                throw new EventFormatException(path, "has data after the JSON value.");
            }

            return Parse(document.RootElement, path);
        }
        catch (JsonException ex)
        {
            throw new EventFormatException(path, $"is not valid JSON (line {(ex.LineNumber ?? 0) + 1}, byte {ex.BytePositionInLine ?? 0}).");
        }
    }

    public static IReadOnlyList<OssObjectEvent> Parse(JsonElement root, string path)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new EventFormatException(path, "must be a JSON object.");
        }

        if (!root.TryGetProperty("events", out var events))
        {
            return [ParseEvent(root, path)];
        }

        if (events.ValueKind != JsonValueKind.Array)
        {
            throw new EventFormatException(path + "/events", "must be an array.");
        }

        var count = events.GetArrayLength();
        if (count is 0 or > MaxEvents)
        {
            throw new EventFormatException(path + "/events", $"must hold 1 to {MaxEvents} events.");
        }

        var result = new List<OssObjectEvent>(count);
        var i = 0;
        foreach (var item in events.EnumerateArray())
        {
            result.Add(ParseEvent(item, $"{path}/events/{i++}"));
        }

        return result;
    }

    private static OssObjectEvent ParseEvent(JsonElement item, string path)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            throw new EventFormatException(path, "must be an event object.");
        }

        var eventName = RequiredString(item, "eventName", path);
        var oss = Object(item, "oss", path, required: true)!.Value;
        var bucket = Object(oss, "bucket", path + "/oss", required: true)!.Value;
        var obj = Object(oss, "object", path + "/oss", required: true)!.Value;
        var bucketName = RequiredString(bucket, "name", path + "/oss/bucket");
        var key = RequiredString(obj, "key", path + "/oss/object");
        if (!Oss.OssValidation.IsValidBucketName(bucketName))
        {
            throw new EventFormatException(path + "/oss/bucket/name", "is not a valid bucket name.");
        }

        if (key.Length == 0 || key.Any(char.IsControl) || System.Text.Encoding.UTF8.GetByteCount(key) > 1023)
        {
            throw new EventFormatException(path + "/oss/object/key", "is not a valid object key.");
        }

        var etag = OptionalString(obj, "eTag", path + "/oss/object");
        if (etag is not null && (etag.Length is 0 or > 128 || etag.Any(c => c is < '!' or > '~')))
        {
            throw new EventFormatException(path + "/oss/object/eTag", "is not an ETag.");
        }

        long? size = null;
        if (obj.TryGetProperty("size", out var sizeElement) && sizeElement.ValueKind != JsonValueKind.Null)
        {
            if (sizeElement.ValueKind != JsonValueKind.Number || !sizeElement.TryGetInt64(out var s) || s < 0)
            {
                throw new EventFormatException(path + "/oss/object/size", "must be a non-negative integer.");
            }

            size = s;
        }

        string? requestId = null;
        if (Object(item, "responseElements", path, required: false) is { } response)
        {
            requestId = OptionalString(response, "requestId", path + "/responseElements");
        }

        DateTimeOffset? time = null;
        if (OptionalString(item, "eventTime", path) is { } text)
        {
            if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
            {
                throw new EventFormatException(path + "/eventTime", "is not an ISO-8601 time.");
            }

            time = parsed;
        }

        return new OssObjectEvent(eventName, OptionalString(item, "region", path), bucketName, key, etag, size, requestId, time);
    }

    private static JsonElement? Object(JsonElement parent, string name, string path, bool required)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return required ? throw new EventFormatException($"{path}/{name}", "is required.") : null;
        }

        return value.ValueKind == JsonValueKind.Object ? value : throw new EventFormatException($"{path}/{name}", "must be an object.");
    }

    private static string RequiredString(JsonElement parent, string name, string path) =>
        OptionalString(parent, name, path) is { Length: > 0 } value ? value : throw new EventFormatException($"{path}/{name}", "is required.");

    private static string? OptionalString(JsonElement parent, string name, string path)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw new EventFormatException($"{path}/{name}", "must be a string.");
    }

    private static bool IsWhitespace(ReadOnlySpan<byte> rest)
    {
        foreach (var b in rest)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                return false;
            }
        }

        return true;
    }
}
