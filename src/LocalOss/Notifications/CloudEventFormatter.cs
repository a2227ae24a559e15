using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace LocalOss.Notifications;

/// <summary>
/// A structured-mode CloudEvent 1.0 as an EventBridge HTTP target receives an OSS event: <c>type</c>
/// <c>oss:{eventName}</c>, <c>source</c> <c>acs.oss</c>, <c>subject</c> the object's ARN, <c>data</c> the event object;
/// the shared secret configured on the target in a header.
/// </summary>
internal sealed class CloudEventFormatter(LocalOssNotifyOptions options) : INotificationFormatter
{
    public const string MediaType = "application/cloudevents+json";

    public HttpRequestMessage Create(ObjectEvent ossEvent, string deliveryId, DateTimeOffset now)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("specversion", "1.0");
            json.WriteString("id", deliveryId);
            json.WriteString("source", "acs.oss");
            json.WriteString("type", "oss:" + ossEvent.EventName);
            json.WriteString("subject", $"{ossEvent.BucketArn}/{ossEvent.Key}");
            json.WriteString("time", ossEvent.EventTime);
            json.WriteString("datacontenttype", "application/json;charset=utf-8");
            json.WriteString("aliyunaccountid", ossEvent.BucketOwner);
            json.WriteString("aliyunpublishtime", now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            json.WriteString("aliyuneventbusname", "default");
            json.WriteString("aliyunregionid", ossEvent.Region);
            json.WritePropertyName("data");
            ossEvent.WriteEvent(json);
            json.WriteEndObject();
        }

        var content = new ByteArrayContent(buffer.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue(MediaType) { CharSet = "utf-8" };
        var request = new HttpRequestMessage(HttpMethod.Post, options.Url) { Content = content };
        if (options.Secret is { Length: > 0 } secret)
        {
            request.Headers.TryAddWithoutValidation(options.SecretHeader, secret);
        }

        return request;
    }
}

/// <summary>Wraps an event in a transport's envelope, as one HTTP request to the notify URL.</summary>
internal interface INotificationFormatter
{
    HttpRequestMessage Create(ObjectEvent ossEvent, string deliveryId, DateTimeOffset now);
}
