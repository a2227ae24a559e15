using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using LocalOss.Notifications;
using LocalOss.Tests.Support;

namespace LocalOss.Tests;

/// <summary>A LocalOss that notifies a <see cref="NotificationReceiver"/> in the given format.</summary>
public abstract class NotifyingServerFixture(LocalOssNotifyFormat format) : IAsyncLifetime
{
    public const string Secret = "notify-secret-for-localoss-tests";

    public LocalOssServer Server { get; private set; } = null!;

    public NotificationReceiver Receiver { get; private set; } = null!;

    public OssTestClient Client { get; private set; } = null!;

    public HttpClient Http { get; } = new();

    public async Task InitializeAsync()
    {
        Receiver = await NotificationReceiver.StartAsync();
        var options = new LocalOssOptions { Port = 0, DataDirectory = null, RestoreDelay = TimeSpan.FromMilliseconds(300) };
        options.Notify.Url = Receiver.Url;
        options.Notify.Format = format;
        options.Notify.Secret = Secret;
        options.Notify.RetryDelay = TimeSpan.FromMilliseconds(20);
        Server = await LocalOssServer.StartAsync(options);
        Client = new OssTestClient(Http, Server.BaseAddress);
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Receiver.DisposeAsync();
        Http.Dispose();
    }

    public async Task<string> NewBucketAsync()
    {
        var name = OssTestClient.NewBucketName();
        Assert.Equal(200, (await Client.CreateBucketAsync(name)).Status);
        return name;
    }
}

public sealed class CloudEventsNotifyFixture() : NotifyingServerFixture(LocalOssNotifyFormat.CloudEvents);

public sealed class MnsNotifyFixture() : NotifyingServerFixture(LocalOssNotifyFormat.Mns);

/// <summary>Event notifications as CloudEvents: which writes send which OSS event, its exact fields, retries.</summary>
public sealed class CloudEventNotificationTests(CloudEventsNotifyFixture fixture) : IClassFixture<CloudEventsNotifyFixture>
{
    private OssTestClient Client => fixture.Client;

    private static JsonElement Data(ReceivedRequest request) => JsonDocument.Parse(request.Body).RootElement.GetProperty("data");

    private static Func<ReceivedRequest, bool> Of(string bucket, string? key = null) => r =>
    {
        var data = Data(r);
        return data.GetProperty("oss").GetProperty("bucket").GetProperty("name").GetString() == bucket
               && (key is null || data.GetProperty("oss").GetProperty("object").GetProperty("key").GetString() == key);
    };

    [Fact]
    public async Task A_put_object_is_announced_as_a_cloudevent_carrying_the_exact_oss_event()
    {
        var bucket = await fixture.NewBucketAsync();
        var put = await Client.PutAsync(bucket, "in/a b+数据.txt", "hello events");
        Assert.Equal(200, put.Status);

        var request = Assert.Single(await fixture.Receiver.WaitForAsync(Of(bucket)));

        Assert.Equal("POST", request.Method);
        Assert.Equal("/api/events", request.PathAndQuery);
        Assert.StartsWith("application/cloudevents+json", request.ContentType, StringComparison.Ordinal);
        Assert.Equal(NotifyingServerFixture.Secret, request.Headers["x-osscopy-event-secret"]);
        var envelope = JsonDocument.Parse(request.Body).RootElement;
        Assert.Equal("1.0", envelope.GetProperty("specversion").GetString());
        Assert.Equal("oss:ObjectCreated:PutObject", envelope.GetProperty("type").GetString());
        Assert.Equal("acs.oss", envelope.GetProperty("source").GetString());
        Assert.True(Guid.TryParse(envelope.GetProperty("id").GetString(), out _));

        var data = Data(request);
        var owner = data.GetProperty("oss").GetProperty("bucket").GetProperty("ownerIdentity").GetString()!;
        Assert.Matches("^[0-9]{16}$", owner);
        Assert.Equal($"acs:oss:cn-hangzhou:{owner}:{bucket}/in/a b+数据.txt", envelope.GetProperty("subject").GetString());
        Assert.Equal("ObjectCreated:PutObject", data.GetProperty("eventName").GetString());
        Assert.Equal("acs:oss", data.GetProperty("eventSource").GetString());
        Assert.Equal("1.0", data.GetProperty("eventVersion").GetString());
        Assert.Equal("cn-hangzhou", data.GetProperty("region").GetString());
        var time = data.GetProperty("eventTime").GetString()!;
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", time);
        Assert.InRange(DateTimeOffset.Parse(time, CultureInfo.InvariantCulture), DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal($"acs:oss:cn-hangzhou:{owner}:{bucket}", data.GetProperty("oss").GetProperty("bucket").GetProperty("arn").GetString());
        var obj = data.GetProperty("oss").GetProperty("object");
        Assert.Equal("in/a b+数据.txt", obj.GetProperty("key").GetString());
        Assert.Equal(12, obj.GetProperty("size").GetInt64());
        Assert.Equal(12, obj.GetProperty("deltaSize").GetInt64());
        var etag = obj.GetProperty("eTag").GetString()!;
        Assert.Equal(put.Header("ETag")!.Trim('"'), etag);
        Assert.Equal(Convert.ToHexString(MD5.HashData(Encoding.UTF8.GetBytes("hello events"))), etag);
        Assert.Equal(put.Header("x-oss-request-id"), data.GetProperty("responseElements").GetProperty("requestId").GetString());
        Assert.Equal(owner, data.GetProperty("userIdentity").GetProperty("principalId").GetString());
        Assert.Equal("127.0.0.1", data.GetProperty("requestParameters").GetProperty("sourceIPAddress").GetString());
    }

    [Fact]
    public async Task An_overwrite_carries_the_size_difference_as_delta_size_and_a_delete_the_negative_size()
    {
        var bucket = await fixture.NewBucketAsync();
        await Client.PutAsync(bucket, "k", "0123456789");
        await fixture.Receiver.WaitForAsync(Of(bucket));
        await Client.PutAsync(bucket, "k", "0123");
        await fixture.Receiver.WaitForAsync(Of(bucket), 2);
        Assert.Equal(204, (await Client.DeleteAsync(bucket, "k")).Status);

        var events = (await fixture.Receiver.WaitForAsync(Of(bucket), 3)).Select(r => Data(r)).ToList();

        Assert.Equal(["ObjectCreated:PutObject", "ObjectCreated:PutObject", "ObjectRemoved:DeleteObject"], events.Select(e => e.GetProperty("eventName").GetString()));
        Assert.Equal([10L, -6L, -4L], events.Select(e => e.GetProperty("oss").GetProperty("object").GetProperty("deltaSize").GetInt64()));
        Assert.Equal([10L, 4L, 0L], events.Select(e => e.GetProperty("oss").GetProperty("object").GetProperty("size").GetInt64()));
        Assert.False(events[2].GetProperty("oss").GetProperty("object").TryGetProperty("eTag", out _));
    }

    [Fact]
    public async Task Every_kind_of_write_sends_its_own_event_name()
    {
        var bucket = await fixture.NewBucketAsync();
        await Client.PutAsync(bucket, "src", "source");
        await Client.CopyAsync(bucket, "src", bucket, "copy");
        await Client.SendAsync(new OssCall(HttpMethod.Post, bucket, "log").Q("append").Q("position", "0").WithBody("line"));
        await Client.SendAsync(new OssCall(HttpMethod.Put, bucket, "link").Q("symlink").H("x-oss-symlink-target", "src"));
        var init = await Client.SendAsync(new OssCall(HttpMethod.Post, bucket, "multi").Q("uploads"));
        var uploadId = init.X("UploadId")!;
        var part = await Client.SendAsync(new OssCall(HttpMethod.Put, bucket, "multi").Q("partNumber", "1").Q("uploadId", uploadId).WithBody("part one"));
        var complete = await Client.SendAsync(new OssCall(HttpMethod.Post, bucket, "multi").Q("uploadId", uploadId)
            .WithBody($"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{part.Header("ETag")}</ETag></Part></CompleteMultipartUpload>"));
        Assert.Equal(200, complete.Status);
        var deleted = await Client.SendAsync(new OssCall(HttpMethod.Post, bucket).Q("delete")
            .WithBody("<Delete><Quiet>true</Quiet><Object><Key>copy</Key></Object><Object><Key>log</Key></Object></Delete>"));
        Assert.Equal(200, deleted.Status);

        var events = (await fixture.Receiver.WaitForAsync(Of(bucket), 7)).Select(r => Data(r)).ToList();

        Assert.Equal(
            ["ObjectCreated:PutObject src", "ObjectCreated:CopyObject copy", "ObjectCreated:AppendObject log", "ObjectCreated:PutSymlink link",
             "ObjectCreated:CompleteMultipartUpload multi", "ObjectRemoved:DeleteObjects copy", "ObjectRemoved:DeleteObjects log"],
            events.Select(e => e.GetProperty("eventName").GetString() + " " + e.GetProperty("oss").GetProperty("object").GetProperty("key").GetString()));
        Assert.Matches("^[0-9A-F]{32}-1$", events[4].GetProperty("oss").GetProperty("object").GetProperty("eTag").GetString());
        Assert.Equal(complete.Header("x-oss-request-id"), events[4].GetProperty("responseElements").GetProperty("requestId").GetString());
    }

    [Fact]
    public async Task A_refused_write_sends_nothing()
    {
        var bucket = await fixture.NewBucketAsync();
        await Client.PutAsync(bucket, "taken", "first");
        var refused = await Client.PutAsync(bucket, "taken", "second", c => c.H("x-oss-forbid-overwrite", "true"));
        Assert.Equal(409, refused.Status);
        var missing = await Client.DeleteAsync(bucket, "never-there");
        Assert.Equal(204, missing.Status);
        await Client.PutAsync(bucket, "marker", "m");

        await fixture.Receiver.WaitForAsync(Of(bucket, "marker"));

        // The delete of a missing key is a success on OSS (204) and announced as such; the refused overwrite is not.
        Assert.Single(fixture.Receiver.Received, r => Of(bucket, "taken")(r));
    }

    [Fact]
    public async Task A_failing_endpoint_gets_the_same_event_again_until_it_accepts_it()
    {
        var bucket = await fixture.NewBucketAsync();
        fixture.Receiver.Answers.Enqueue(503);
        fixture.Receiver.Answers.Enqueue(500);
        var delivered = fixture.Server.NotificationsDelivered;

        await Client.PutAsync(bucket, "retried", "x");
        var tries = await fixture.Receiver.WaitForAsync(Of(bucket), 3);

        Assert.Equal(3, tries.Count);
        Assert.Single(tries.Select(t => JsonDocument.Parse(t.Body).RootElement.GetProperty("id").GetString()).Distinct());
        await WaitUntilAsync(() => fixture.Server.NotificationsDelivered == delivered + 1);
    }

    [Fact]
    public async Task A_restore_announces_finish_restore_once_the_object_is_readable()
    {
        var bucket = await fixture.NewBucketAsync();
        await Client.PutAsync(bucket, "frozen", "cold data", c => c.H("x-oss-storage-class", "Archive"));
        var restore = await Client.SendAsync(new OssCall(HttpMethod.Post, bucket, "frozen").Q("restore"));
        Assert.Equal(202, restore.Status);

        var events = (await fixture.Receiver.WaitForAsync(Of(bucket), 2)).Select(r => Data(r)).ToList();

        Assert.Equal("ObjectRestore:FinishRestore", events[1].GetProperty("eventName").GetString());
        Assert.Equal(9, events[1].GetProperty("oss").GetProperty("object").GetProperty("size").GetInt64());
        Assert.Equal(200, (await Client.GetAsync(bucket, "frozen")).Status);
    }

    [Theory]
    [InlineData("ftp://example.com/events")]
    [InlineData("http://user:pw@localhost/events")]
    public async Task A_notify_url_that_is_not_plain_http_is_refused_at_start(string url)
    {
        var options = new LocalOssOptions { Port = 0, DataDirectory = null };
        options.Notify.Url = new Uri(url);

        var error = await Assert.ThrowsAsync<System.ComponentModel.DataAnnotations.ValidationException>(() => LocalOssServer.StartAsync(options));

        Assert.Contains("Notify.Url", error.Message, StringComparison.Ordinal);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(condition());
    }
}

/// <summary>Event notifications as MNS HTTP pushes: the XML, the Base64 message, and a signature the served certificate verifies.</summary>
public sealed class MnsNotificationTests(MnsNotifyFixture fixture) : IClassFixture<MnsNotifyFixture>
{
    [Fact]
    public async Task A_put_object_is_pushed_as_an_mns_notification_signed_with_the_served_development_certificate()
    {
        var bucket = await fixture.NewBucketAsync();
        var put = await fixture.Client.PutAsync(bucket, "pushed.txt", "mns body");

        var request = (await fixture.Receiver.WaitForAsync(r => r.Text.Contains("<Notification", StringComparison.Ordinal)
                                                                && Message(r).Contains(bucket, StringComparison.Ordinal))).Single();

        Assert.Equal("text/xml;charset=utf-8", request.ContentType);
        var xml = XDocument.Parse(request.Text).Root!;
        XNamespace ns = "http://mns.aliyuncs.com/doc/v1/";
        Assert.Equal("Notification", xml.Name.LocalName);
        Assert.NotEmpty(xml.Element(ns + "MessageId")!.Value);
        var message = Convert.FromBase64String(xml.Element(ns + "Message")!.Value);
        Assert.Equal(Convert.ToHexString(MD5.HashData(message)), xml.Element(ns + "MessageMD5")!.Value);
        var ossEvent = JsonDocument.Parse(message).RootElement.GetProperty("events")[0];
        Assert.Equal("ObjectCreated:PutObject", ossEvent.GetProperty("eventName").GetString());
        Assert.Equal(put.Header("ETag")!.Trim('"'), ossEvent.GetProperty("oss").GetProperty("object").GetProperty("eTag").GetString());

        // The certificate URL names LocalOss's own certificate endpoint; what it serves verifies the signature.
        var certificateUrl = new Uri(Encoding.UTF8.GetString(Convert.FromBase64String(request.Headers["x-mns-signing-cert-url"])));
        Assert.Equal(fixture.Server.MnsCertificateUrl, certificateUrl);
        Assert.Equal(fixture.Server.BaseAddress.Authority, certificateUrl.Authority);
        using var certificate = X509Certificate2.CreateFromPem(await fixture.Http.GetStringAsync(certificateUrl));
        using var rsa = certificate.GetRSAPublicKey()!;
        var h = request.Headers;
        Assert.Equal(Convert.ToBase64String(Encoding.ASCII.GetBytes(Convert.ToHexStringLower(MD5.HashData(request.Body)))), h["Content-MD5"]);
        Assert.InRange(DateTimeOffset.ParseExact(h["Date"], "r", CultureInfo.InvariantCulture), DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        var stringToSign = $"POST\n{h["Content-MD5"]}\n{request.ContentType}\n{h["Date"]}\n"
                           + $"x-mns-request-id:{h["x-mns-request-id"]}\nx-mns-signing-cert-url:{h["x-mns-signing-cert-url"]}\nx-mns-version:{h["x-mns-version"]}\n"
                           + "/api/events";
        Assert.True(rsa.VerifyData(Encoding.UTF8.GetBytes(stringToSign), Convert.FromBase64String(h["Authorization"]), HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1));
        Assert.False(h.ContainsKey("x-osscopy-event-secret"));
    }

    [Fact]
    public async Task Only_the_certificate_path_is_served_under_mns()
    {
        using var other = await fixture.Http.GetAsync(new Uri(fixture.Server.BaseAddress, "/_mns/cert-0000.pem"));
        using var served = await fixture.Http.GetAsync(fixture.Server.MnsCertificateUrl);

        Assert.Equal(404, (int)other.StatusCode);
        Assert.Equal(200, (int)served.StatusCode);
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", await served.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static string Message(ReceivedRequest request)
    {
        var text = XDocument.Parse(request.Text).Root!.Elements().First(e => e.Name.LocalName == "Message").Value;
        return Encoding.UTF8.GetString(Convert.FromBase64String(text));
    }
}
