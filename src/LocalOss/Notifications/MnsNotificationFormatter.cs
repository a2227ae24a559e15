// MNS signs with MD5 (Content-MD5, MessageMD5) and SHA-1: this plays MNS for local runs.
#pragma warning disable CA5350, CA5351
using System.Globalization;
using System.Security.Cryptography;
using System.Security;
using System.Text;

namespace LocalOss.Notifications;

/// <summary>
/// An MNS HTTP push as a topic subscription sends it: the XML <c>&lt;Notification&gt;</c> whose <c>&lt;Message&gt;</c> is
/// the Base64 <c>{"events":[…]}</c> JSON, with <c>Date</c>, <c>Content-MD5</c> (Base64 of the hex digest),
/// <c>x-mns-*</c> headers and <c>Authorization</c> = Base64 RSA-SHA1 over
/// <c>POST\nContent-MD5\nContent-Type\nDate\n</c> + sorted <c>x-mns-*</c> lines + the URL's path and query.
/// </summary>
internal sealed class MnsNotificationFormatter(LocalOssNotifyOptions options, MnsSigningCertificate certificate) : INotificationFormatter
{
    public const string ContentType = "text/xml;charset=utf-8";

    public HttpRequestMessage Create(ObjectEvent ossEvent, string deliveryId, DateTimeOffset now)
    {
        var message = ossEvent.ToEventsJson();
        var body = Encoding.UTF8.GetBytes(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
            + "<Notification xmlns=\"http://mns.aliyuncs.com/doc/v1/\">"
            + $"<TopicOwner>{Escape(ossEvent.BucketOwner)}</TopicOwner>"
            + "<TopicName>localoss-events</TopicName>"
            + $"<Subscriber>{Escape(ossEvent.BucketOwner)}</Subscriber>"
            + "<SubscriptionName>localoss</SubscriptionName>"
            + $"<MessageId>{deliveryId}</MessageId>"
            + $"<MessageMD5>{Convert.ToHexString(MD5.HashData(message))}</MessageMD5>"
            + $"<Message>{Convert.ToBase64String(message)}</Message>"
            + $"<PublishTime>{now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}</PublishTime>"
            + "</Notification>");

        var date = now.ToString("r", CultureInfo.InvariantCulture);
        var contentMd5 = Convert.ToBase64String(Encoding.ASCII.GetBytes(Convert.ToHexStringLower(MD5.HashData(body))));
        var mnsHeaders = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["x-mns-request-id"] = deliveryId.Replace("-", "", StringComparison.Ordinal).ToUpperInvariant(),
            ["x-mns-signing-cert-url"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(certificate.Url.AbsoluteUri)),
            ["x-mns-version"] = "2015-06-06",
        };
        var url = options.Url!;
        var stringToSign = new StringBuilder()
            .Append("POST\n").Append(contentMd5).Append('\n').Append(ContentType).Append('\n').Append(date).Append('\n');
        foreach (var (name, value) in mnsHeaders)
        {
            stringToSign.Append(name).Append(':').Append(value).Append('\n');
        }

        stringToSign.Append(url.AbsolutePath).Append(url.Query);

        var content = new ByteArrayContent(body);
        // Sent exactly as signed: a parsed media type could be re-formatted ("text/xml; charset=utf-8").
        content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
        content.Headers.TryAddWithoutValidation("Content-MD5", contentMd5);
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        request.Headers.TryAddWithoutValidation("Date", date);
        foreach (var (name, value) in mnsHeaders)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        request.Headers.TryAddWithoutValidation("Authorization", Convert.ToBase64String(certificate.Sign(Encoding.UTF8.GetBytes(stringToSign.ToString()))));
        return request;
    }

    private static string Escape(string text) => SecurityElement.Escape(text) ?? string.Empty;
}
