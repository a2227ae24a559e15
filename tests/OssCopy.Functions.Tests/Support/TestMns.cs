// MNS signs with MD5 (Content-MD5, MessageMD5): the test plays MNS.
#pragma warning disable CA5351
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Http;
using OssCopy.Functions.Events;

namespace OssCopy.Functions.Tests.Support;

/// <summary>
/// Plays MNS: its own RSA key and self-signed certificate, served to the app's certificate client at an https URL on
/// an allow-listed test host (through the client's primary handler), and a signer for push requests.
/// </summary>
public sealed class TestMns : IDisposable
{
    public const string CertificateHost = "mns-cert.oss-cn-hangzhou.aliyuncs.com";
    public const string ForeignHost = "certs.example.net";

    private readonly RSA _key = RSA.Create(2048);
    private readonly RSA _otherKey = RSA.Create(2048);

    public TestMns()
    {
        var request = new CertificateRequest("CN=mns test signing", _key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        Certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        Handler = new CertificateHandler(Certificate.Export(X509ContentType.Cert));
    }

    public X509Certificate2 Certificate { get; }

    public CertificateHandler Handler { get; }

    public static Uri CertificateUrl => new($"https://{CertificateHost}/x509_public_certificate.pem");

    public static Uri ForeignCertificateUrl => new($"https://{ForeignHost}/x509_public_certificate.pem");

    /// <summary>An MNS XML notification carrying <paramref name="eventJson"/> Base64-encoded, as OSS publishes it.</summary>
    public static byte[] Notification(string eventJson, string messageId) => Encoding.UTF8.GetBytes(
        $"""
        <?xml version="1.0" encoding="utf-8"?>
        <Notification xmlns="http://mns.aliyuncs.com/doc/v1/">
          <TopicOwner>1234567890</TopicOwner>
          <TopicName>oss-events</TopicName>
          <Subscriber>1234567890</Subscriber>
          <SubscriptionName>osscopy</SubscriptionName>
          <MessageId>{messageId}</MessageId>
          <MessageMD5>{Convert.ToHexString(MD5.HashData(Encoding.UTF8.GetBytes(eventJson)))}</MessageMD5>
          <Message>{Convert.ToBase64String(Encoding.UTF8.GetBytes(eventJson))}</Message>
          <PublishTime>{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}</PublishTime>
        </Notification>
        """);

    /// <summary>Sets the headers MNS sends on <paramref name="request"/> and signs it (or signs with another key when <paramref name="forge"/>).</summary>
    public void Sign(HttpRequest request, byte[] body, DateTimeOffset date, Uri? certificateUrl = null, bool forge = false, string contentType = "text/xml;charset=utf-8")
    {
        request.ContentType = contentType;
        request.Headers["Date"] = date.ToString("r", System.Globalization.CultureInfo.InvariantCulture);
        request.Headers["Content-MD5"] = Convert.ToBase64String(Encoding.ASCII.GetBytes(Convert.ToHexStringLower(MD5.HashData(body))));
        request.Headers["x-mns-request-id"] = Guid.NewGuid().ToString("N").ToUpperInvariant();
        request.Headers["x-mns-version"] = "2015-06-06";
        request.Headers[EventEnvelopeReader.MnsCertificateUrlHeader] = Convert.ToBase64String(Encoding.UTF8.GetBytes((certificateUrl ?? CertificateUrl).AbsoluteUri));
        // The documented string to sign, written out here rather than borrowed from the verifier under test.
        var stringToSign = "POST\n" + request.Headers["Content-MD5"] + "\n" + request.ContentType + "\n" + request.Headers["Date"] + "\n"
                           + (request.Headers.TryGetValue("x-mns-message-id", out var messageId) ? "x-mns-message-id:" + messageId + "\n" : "")
                           + "x-mns-request-id:" + request.Headers["x-mns-request-id"] + "\n"
                           + "x-mns-signing-cert-url:" + request.Headers[EventEnvelopeReader.MnsCertificateUrlHeader] + "\n"
                           + "x-mns-version:2015-06-06\n"
                           + request.Path + request.QueryString;
        var signature = (forge ? _otherKey : _key).SignData(Encoding.UTF8.GetBytes(stringToSign), HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1);
        request.Headers.Authorization = Convert.ToBase64String(signature);
    }

    public void Dispose()
    {
        _key.Dispose();
        _otherKey.Dispose();
        Certificate.Dispose();
        Handler.Dispose();
    }

    /// <summary>Serves the certificate for any URL it is asked for, counting requests (the app must cache by URL).</summary>
    public sealed class CertificateHandler(byte[] der) : HttpMessageHandler
    {
        private int _requests;

        public int Requests => _requests;

        public List<Uri> Urls { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _requests);
            lock (Urls)
            {
                Urls.Add(request.RequestUri!);
            }

            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(der) });
        }
    }
}
