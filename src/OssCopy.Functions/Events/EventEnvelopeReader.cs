using System.Text;
using System.Text.Json;
using System.Xml;
using Microsoft.AspNetCore.Http;

namespace OssCopy.Functions.Events;

/// <summary>
/// Unwraps a delivery into OSS events: an EventBridge CloudEvent 1.0 (structured <c>application/cloudevents+json</c>,
/// or binary with <c>ce-*</c> headers and the event as the body) or an MNS HTTP push (the <c>&lt;Notification&gt;</c>
/// XML whose <c>&lt;Message&gt;</c> is the Base64 event JSON; or the SIMPLIFIED format, the message alone).
/// </summary>
public static class EventEnvelopeReader
{
    public const string CloudEventsJson = "application/cloudevents+json";
    public const string MnsCertificateUrlHeader = "x-mns-signing-cert-url";

    /// <summary>Which transport a request claims to come from, by its headers; null when neither.</summary>
    public static EventTransport? TransportOf(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Headers.ContainsKey(MnsCertificateUrlHeader))
        {
            return EventTransport.Mns;
        }

        return MediaType(request.ContentType).Equals(CloudEventsJson, StringComparison.OrdinalIgnoreCase) || request.Headers.ContainsKey("ce-specversion")
            ? EventTransport.EventBridge
            : null;
    }

    public static EventDelivery Read(HttpRequest request, EventTransport transport, byte[] body)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(body);
        return transport == EventTransport.Mns ? ReadMns(request, body) : ReadCloudEvent(request, body);
    }

    private static EventDelivery ReadCloudEvent(HttpRequest request, byte[] body)
    {
        if (request.Headers.ContainsKey("ce-specversion"))
        {
            // Binary mode: the attributes are headers, the body is the data.
            var spec = Header(request, "ce-specversion");
            if (spec != "1.0")
            {
                throw new EventFormatException("header:ce-specversion", "must be 1.0.");
            }

            var id = RequiredHeader(request, "ce-id");
            RequiredHeader(request, "ce-source");
            var type = RequiredHeader(request, "ce-type");
            if (request.ContentType is { } contentType && !IsJson(MediaType(contentType)))
            {
                throw new EventFormatException("header:content-type", "must be JSON for OSS events.");
            }

            return new EventDelivery(EventTransport.EventBridge, id, type, IsOssType(type) ? OssEventParser.Parse(body, "") : []);
        }

        if (!System.Text.Unicode.Utf8.IsValid(body))
        {
            throw new EventFormatException("/", "is not valid UTF-8.");
        }

        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = OssEventParser.MaxDepth });
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new EventFormatException("/", "must be a CloudEvent object (batches are not accepted).");
            }

            if (Attribute(root, "specversion") != "1.0")
            {
                throw new EventFormatException("/specversion", "must be 1.0.");
            }

            var id = RequiredAttribute(root, "id");
            RequiredAttribute(root, "source");
            var type = RequiredAttribute(root, "type");
            if (Attribute(root, "datacontenttype") is { } dataType && !IsJson(MediaType(dataType)))
            {
                throw new EventFormatException("/datacontenttype", "must be JSON for OSS events.");
            }

            if (!IsOssType(type))
            {
                return new EventDelivery(EventTransport.EventBridge, id, type, []);
            }

            if (root.TryGetProperty("data", out var data) && data.ValueKind != JsonValueKind.Null)
            {
                return new EventDelivery(EventTransport.EventBridge, id, type, OssEventParser.Parse(data, "/data"));
            }

            if (Attribute(root, "data_base64") is { } base64)
            {
                return new EventDelivery(EventTransport.EventBridge, id, type, OssEventParser.Parse(FromBase64(base64, "/data_base64"), "/data_base64"));
            }

            throw new EventFormatException("/data", "is required: the OSS event.");
        }
        catch (JsonException ex)
        {
            throw new EventFormatException("/", $"is not valid JSON (line {(ex.LineNumber ?? 0) + 1}, byte {ex.BytePositionInLine ?? 0}).");
        }
        catch (InvalidOperationException)
        {
            throw new EventFormatException("/", "is not a CloudEvent.");
        }
    }

    private static EventDelivery ReadMns(HttpRequest request, byte[] body)
    {
        var media = MediaType(request.ContentType);
        if (!media.EndsWith("/xml", StringComparison.OrdinalIgnoreCase))
        {
            // SIMPLIFIED format: the body is the message itself; its id comes as a header.
            var messageId = Header(request, "x-mns-message-id") ?? throw new EventFormatException("header:x-mns-message-id", "is required.");
            return new EventDelivery(EventTransport.Mns, messageId, null, OssEventParser.Parse(DecodeMessage(Encoding.UTF8.GetString(body), "/"), "/"));
        }

        var fields = ReadNotification(body);
        var id = fields.GetValueOrDefault("MessageId") is { Length: > 0 } mid ? mid : throw new EventFormatException("/Notification/MessageId", "is required.");
        var message = fields.GetValueOrDefault("Message") ?? throw new EventFormatException("/Notification/Message", "is required.");
        return new EventDelivery(EventTransport.Mns, id, null, OssEventParser.Parse(DecodeMessage(message, "/Notification/Message"), "/Notification/Message"));
    }

    /// <summary>The Notification's child elements by local name (namespaces vary between MNS samples); no DTDs, no entities.</summary>
    private static Dictionary<string, string> ReadNotification(byte[] body)
    {
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersInDocument = body.Length * 4L + 1024,
            IgnoreComments = true,
            IgnoreWhitespace = true,
            IgnoreProcessingInstructions = true,
        };
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            using var stream = new MemoryStream(body, writable: false);
            using var reader = XmlReader.Create(stream, settings);
            if (reader.MoveToContent() != XmlNodeType.Element || reader.LocalName != "Notification")
            {
                throw new EventFormatException("/", "must be an MNS <Notification> document.");
            }

            if (reader.IsEmptyElement)
            {
                return fields;
            }

            reader.Read();
            while (reader.NodeType != XmlNodeType.EndElement && !reader.EOF)
            {
                if (reader.NodeType != XmlNodeType.Element)
                {
                    reader.Read();
                    continue;
                }

                var name = reader.LocalName;
                var value = reader.ReadElementContentAsString();
                if (!fields.TryAdd(name, value))
                {
                    throw new EventFormatException($"/Notification/{name}", "appears more than once.");
                }
            }
        }
        catch (XmlException ex)
        {
            throw new EventFormatException("/", $"is not well-formed XML (line {ex.LineNumber}, position {ex.LinePosition}).");
        }

        return fields;
    }

    /// <summary>OSS Base64-encodes the event JSON inside MNS messages; a plain JSON message is accepted too.</summary>
    private static byte[] DecodeMessage(string message, string path)
    {
        var trimmed = message.Trim();
        return trimmed.StartsWith('{') ? Encoding.UTF8.GetBytes(trimmed) : FromBase64(trimmed, path);
    }

    private static byte[] FromBase64(string text, string path)
    {
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw new EventFormatException(path, "is neither Base64 nor JSON.");
        }
    }

    private static bool IsOssType(string type) => type.StartsWith("oss:", StringComparison.Ordinal);

    private static string? Attribute(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw new EventFormatException("/" + name, "must be a string.");
    }

    private static string RequiredAttribute(JsonElement root, string name) =>
        Attribute(root, name) is { Length: > 0 } value ? value : throw new EventFormatException("/" + name, "is required.");

    private static string? Header(HttpRequest request, string name) =>
        request.Headers.TryGetValue(name, out var values) && values.Count == 1 ? values[0] : null;

    private static string RequiredHeader(HttpRequest request, string name) =>
        Header(request, name) is { Length: > 0 } value ? value : throw new EventFormatException("header:" + name, "is required (once).");

    private static string MediaType(string? contentType) => (contentType ?? string.Empty).Split(';', 2)[0].Trim();

    private static bool IsJson(string mediaType) =>
        mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
}
