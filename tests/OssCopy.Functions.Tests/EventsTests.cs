using System.Text;
using System.Text.Json;
using LocalOss;
using OssCopy.Functions.Events;
using OssCopy.Functions.Tests.Support;
using OssCopy.Oss.Models;

namespace OssCopy.Functions.Tests;

[Collection(FunctionsAppGroup.Name)]
public sealed class EventsTests(FunctionsAppFixture app)
{
    private const string CloudEventsJson = "application/cloudevents+json; charset=utf-8";
    private static int _keys;

    private static string NewKey(string name) => $"in/{name}-{Interlocked.Increment(ref _keys)}.bin";

    private static string CopiedKey(string key) => "copied/" + key["in/".Length..];

    private static Dictionary<string, string> Secret => new() { [FunctionsAppFixture.SecretHeader] = FunctionsAppFixture.EventSecret };

    [Fact]
    public void Every_sample_of_the_shared_event_vectors_parses()
    {
        using var vectors = Repository.LoadVector("events.json");
        var samples = vectors.RootElement.GetProperty("samples").EnumerateArray().ToList();
        Assert.NotEmpty(samples);
        foreach (var sample in samples)
        {
            var payload = sample.GetProperty("payload");
            var events = OssEventParser.Parse(Encoding.UTF8.GetBytes(payload.GetRawText()), "");
            var expected = payload.GetProperty("events")[0];

            var parsed = Assert.Single(events);
            Assert.Equal(expected.GetProperty("eventName").GetString(), parsed.EventName);
            Assert.Equal(expected.GetProperty("oss").GetProperty("bucket").GetProperty("name").GetString(), parsed.Bucket);
            Assert.Equal(expected.GetProperty("oss").GetProperty("object").GetProperty("key").GetString(), parsed.Key);
            Assert.Equal(expected.GetProperty("oss").GetProperty("object").GetProperty("eTag").GetString(), parsed.ETag);
            Assert.Equal(expected.GetProperty("oss").GetProperty("object").GetProperty("size").GetInt64(), parsed.Size);
            Assert.Equal(expected.GetProperty("responseElements").GetProperty("requestId").GetString(), parsed.RequestId);
            Assert.Equal(expected.GetProperty("region").GetString(), parsed.Region);
            Assert.Equal(parsed.EventName.StartsWith("ObjectCreated:", StringComparison.Ordinal), parsed.IsObjectCreated);
        }
    }

    [Fact]
    public async Task A_cloudevent_for_a_routed_prefix_is_queued_and_copies_the_object_pinned_to_its_etag_with_the_route_tags()
    {
        var key = NewKey("structured");
        var put = await app.PutAsync(FunctionsAppFixture.EventSourceBucket, key, "event payload", tagging: "Team=a");
        var copiesBefore = app.Oss.Counters["CopyObject"];

        var response = await app.EventAsync(OssEvents.CloudEvent("ObjectCreated:PutObject", FunctionsAppFixture.EventSourceBucket, key, put.ETag, NewRequestId()),
            CloudEventsJson, Secret);

        Assert.Equal(200, response.Status);
        var summary = Assert.Single(response.Json.GetProperty("events").EnumerateArray());
        Assert.Equal("Handled", summary.GetProperty("result").GetString());
        Assert.Equal("Queued", summary.GetProperty("copies")[0].GetProperty("disposition").GetString());
        Assert.Equal(copiesBefore, app.Oss.Counters["CopyObject"]);
        await app.DrainAsync();
        Assert.Equal(copiesBefore + 1, app.Oss.Counters["CopyObject"]);
        var copied = await app.HeadAsync(FunctionsAppFixture.EventDestinationBucket, CopiedKey(key));
        Assert.Equal(13, copied.ContentLength);
        var tags = await app.Admin.GetObjectTaggingAsync(new GetObjectTaggingRequest { Bucket = FunctionsAppFixture.EventDestinationBucket, Key = CopiedKey(key) });
        Assert.Equal(["Team=a", "Via=event"], tags.Tags.Tags.Select(t => $"{t.Key}={t.Value}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_binary_mode_cloudevent_is_copied_too()
    {
        var key = NewKey("binary");
        var put = await app.PutAsync(FunctionsAppFixture.EventSourceBucket, key, "binary");
        var headers = Secret;
        headers["ce-specversion"] = "1.0";
        headers["ce-id"] = Guid.NewGuid().ToString();
        headers["ce-source"] = "acs.oss";
        headers["ce-type"] = "oss:ObjectCreated:PutObject";
        var data = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(OssEvents.Event("ObjectCreated:PutObject", FunctionsAppFixture.EventSourceBucket, key, put.ETag, NewRequestId())));

        var response = await app.EventAsync(data, "application/json", headers);
        await app.DrainAsync();

        Assert.Equal(200, response.Status);
        Assert.True(await app.ExistsAsync(FunctionsAppFixture.EventDestinationBucket, CopiedKey(key)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-secret-of-enough-length")]
    [InlineData("")]
    public async Task A_cloudevent_without_the_right_shared_secret_is_401_and_copies_nothing(string? secret)
    {
        var key = NewKey("unauthenticated");
        var put = await app.PutAsync(FunctionsAppFixture.EventSourceBucket, key, "x");
        var before = app.Oss.Counters.Total;
        var headers = secret is null ? null : new Dictionary<string, string> { [FunctionsAppFixture.SecretHeader] = secret };

        var response = await app.EventAsync(OssEvents.CloudEvent("ObjectCreated:PutObject", FunctionsAppFixture.EventSourceBucket, key, put.ETag, NewRequestId()),
            CloudEventsJson, headers);

        Assert.Equal(401, response.Status);
        Assert.StartsWith("application/problem+json", response.ContentType, StringComparison.Ordinal);
        Assert.Equal(before, app.Oss.Counters.Total);
    }

    [Fact]
    public async Task An_event_delivered_twice_is_copied_once()
    {
        var key = NewKey("twice");
        var put = await app.PutAsync(FunctionsAppFixture.EventSourceBucket, key, "once only");
        var requestId = NewRequestId();
        var copiesBefore = app.Oss.Counters["CopyObject"];

        // EventBridge redelivers with the same event; MNS would bring the same OSS event in a new message.
        var first = await app.EventAsync(OssEvents.CloudEvent("ObjectCreated:PutObject", FunctionsAppFixture.EventSourceBucket, key, put.ETag, requestId), CloudEventsJson, Secret);
        var second = await app.EventAsync(OssEvents.CloudEvent("ObjectCreated:PutObject", FunctionsAppFixture.EventSourceBucket, key, put.ETag, requestId), CloudEventsJson, Secret);
        await app.DrainAsync();

        Assert.Equal(200, first.Status);
        Assert.Equal(200, second.Status);
        Assert.Equal("Duplicate", second.Json.GetProperty("events")[0].GetProperty("result").GetString());
        Assert.Equal(copiesBefore + 1, app.Oss.Counters["CopyObject"]);
    }

    [Theory]
    [InlineData("ObjectRemoved:DeleteObject", FunctionsAppFixture.EventSourceBucket, "in/removed.bin")]
    [InlineData("ObjectDownloaded:GetObject", FunctionsAppFixture.EventSourceBucket, "in/read.bin")]
    [InlineData("ObjectCreated:PutObject", "some-other-bucket", "in/elsewhere.bin")]
    [InlineData("ObjectCreated:PutObject", FunctionsAppFixture.EventSourceBucket, "out/not-routed.bin")]
    public async Task Events_of_other_kinds_buckets_and_prefixes_are_acknowledged_without_an_oss_request(string eventName, string bucket, string key)
    {
        var before = app.Oss.Counters.Total;

        var response = await app.EventAsync(OssEvents.CloudEvent(eventName, bucket, key, "0CC175B9C0F1B6468E1199E269772661", NewRequestId()), CloudEventsJson, Secret);

        Assert.Equal(200, response.Status);
        Assert.Equal("Ignored", response.Json.GetProperty("events")[0].GetProperty("result").GetString());
        Assert.Equal(before, app.Oss.Counters.Total);
    }

    [Fact]
    public async Task An_event_for_an_object_overwritten_since_is_acknowledged_and_its_queued_copy_is_superseded()
    {
        var key = NewKey("overwritten");
        var first = await app.PutAsync(FunctionsAppFixture.EventSourceBucket, key, "first");
        await app.PutAsync(FunctionsAppFixture.EventSourceBucket, key, "second, newer");

        var response = await app.EventAsync(OssEvents.CloudEvent("ObjectCreated:PutObject", FunctionsAppFixture.EventSourceBucket, key, first.ETag, NewRequestId()),
            CloudEventsJson, Secret);
        await app.DrainAsync();

        Assert.Equal(200, response.Status);
        var copy = response.Json.GetProperty("events")[0].GetProperty("copies")[0];
        Assert.Equal("Queued", copy.GetProperty("disposition").GetString());
        var status = await CopyQueueDriver.GetAsync(app.Host, "/api/copy/" + copy.GetProperty("copyId").GetString());
        Assert.Equal("Superseded", status.Headers[Copy.CopyStatusFunction.DispositionHeader]);
        Assert.Equal(412, status.Status);
        Assert.False(await app.ExistsAsync(FunctionsAppFixture.EventDestinationBucket, CopiedKey(key)));
    }

    [Fact]
    public async Task A_queued_copy_that_fails_for_now_is_delivered_again_and_copies()
    {
        var key = NewKey("retry");
        var put = await app.PutAsync(FunctionsAppFixture.EventSourceBucket, key, "retry me");
        var requestId = NewRequestId();
        await app.DrainAsync(); // copies other tests queued and left: the faults below are for this one
        var response = await app.EventAsync(OssEvents.CloudEvent("ObjectCreated:PutObject", FunctionsAppFixture.EventSourceBucket, key, put.ETag, requestId), CloudEventsJson, Secret);
        var copiesBefore = app.Oss.Counters["CopyObject"];
        // The first delivery's CopyObject and its one retry (Oss:MaxRetries 1) are throttled: that delivery fails.
        app.Oss.Faults.Add(new LocalOssFaultRule { Operation = "CopyObject", Kind = LocalOssFaultKind.SlowDown, Count = 2 });
        int deliveries;
        try
        {
            deliveries = await app.DrainAsync();
        }
        finally
        {
            app.Oss.Faults.Clear();
        }

        Assert.Equal(200, response.Status);
        Assert.Equal(2, deliveries);
        Assert.True(app.Oss.Counters["CopyObject"] > copiesBefore + 1);
        Assert.True(await app.ExistsAsync(FunctionsAppFixture.EventDestinationBucket, CopiedKey(key)));
    }

    [Fact]
    public async Task A_signed_mns_notification_is_verified_and_copied_and_its_certificate_fetched_once()
    {
        var keys = new[] { NewKey("mns-a"), NewKey("mns-b") };
        var certificateRequests = app.Mns.Handler.Requests;
        foreach (var key in keys)
        {
            var put = await app.PutAsync(FunctionsAppFixture.EventSourceBucket, key, "via mns");
            var body = TestMns.Notification(OssEvents.Json("ObjectCreated:PutObject", FunctionsAppFixture.EventSourceBucket, key, put.ETag, NewRequestId()), NewRequestId());

            var response = await app.EventAsync(body, null, prepare: r => app.Mns.Sign(r, body, DateTimeOffset.UtcNow));
            await app.DrainAsync();

            Assert.Equal(204, response.Status);
            Assert.True(await app.ExistsAsync(FunctionsAppFixture.EventDestinationBucket, CopiedKey(key)));
        }

        Assert.InRange(app.Mns.Handler.Requests - certificateRequests, 0, 1);
        Assert.All(app.Mns.Handler.Urls, u => Assert.Equal(TestMns.CertificateHost, u.Host));
    }

    [Fact]
    public async Task A_simplified_mns_notification_carries_the_message_alone_and_is_copied()
    {
        var key = NewKey("mns-simplified");
        var put = await app.PutAsync(FunctionsAppFixture.EventSourceBucket, key, "simplified");
        var body = Encoding.UTF8.GetBytes(Convert.ToBase64String(Encoding.UTF8.GetBytes(
            OssEvents.Json("ObjectCreated:PutObject", FunctionsAppFixture.EventSourceBucket, key, put.ETag, NewRequestId()))));

        var response = await app.EventAsync(body, null, prepare: r =>
        {
            r.Headers["x-mns-message-id"] = Guid.NewGuid().ToString("N");
            app.Mns.Sign(r, body, DateTimeOffset.UtcNow, contentType: "text/plain;charset=utf-8");
        });
        await app.DrainAsync();

        Assert.Equal(204, response.Status);
        Assert.True(await app.ExistsAsync(FunctionsAppFixture.EventDestinationBucket, CopiedKey(key)));
    }

    public static TheoryData<string> MnsForgeries => ["bad signature", "foreign certificate host", "http certificate url", "stale date", "future date", "tampered body", "no content-md5"];

    [Theory]
    [MemberData(nameof(MnsForgeries))]
    public async Task An_mns_notification_that_fails_verification_is_401_and_copies_nothing(string forgery)
    {
        var key = NewKey("forged");
        var put = await app.PutAsync(FunctionsAppFixture.EventSourceBucket, key, "forged");
        var body = TestMns.Notification(OssEvents.Json("ObjectCreated:PutObject", FunctionsAppFixture.EventSourceBucket, key, put.ETag, NewRequestId()), NewRequestId());
        var certificateRequests = app.Mns.Handler.Requests;
        var before = app.Oss.Counters.Total;
        var sent = body;

        var response = await app.EventAsync(body, null, prepare: r =>
        {
            switch (forgery)
            {
                case "bad signature":
                    app.Mns.Sign(r, body, DateTimeOffset.UtcNow, forge: true);
                    break;
                case "foreign certificate host":
                    app.Mns.Sign(r, body, DateTimeOffset.UtcNow, TestMns.ForeignCertificateUrl);
                    break;
                case "http certificate url":
                    app.Mns.Sign(r, body, DateTimeOffset.UtcNow, new Uri($"http://{TestMns.CertificateHost}/x509_public_certificate.pem"));
                    break;
                case "stale date":
                    app.Mns.Sign(r, body, DateTimeOffset.UtcNow.AddMinutes(-16));
                    break;
                case "future date":
                    app.Mns.Sign(r, body, DateTimeOffset.UtcNow.AddMinutes(16));
                    break;
                case "tampered body":
                    app.Mns.Sign(r, body, DateTimeOffset.UtcNow);
                    sent = TestMns.Notification(OssEvents.Json("ObjectCreated:PutObject", FunctionsAppFixture.EventSourceBucket, "in/other.bin", put.ETag, NewRequestId()), NewRequestId());
                    r.Body = new MemoryStream(sent);
                    r.ContentLength = sent.Length;
                    break;
                case "no content-md5":
                    app.Mns.Sign(r, body, DateTimeOffset.UtcNow);
                    r.Headers.Remove("Content-MD5");
                    break;
            }
        });

        Assert.Equal(401, response.Status);
        Assert.Equal(before, app.Oss.Counters.Total);
        Assert.False(await app.ExistsAsync(FunctionsAppFixture.EventDestinationBucket, CopiedKey(key)));
        if (forgery is "foreign certificate host" or "http certificate url")
        {
            Assert.Equal(certificateRequests, app.Mns.Handler.Requests);
        }
    }

    [Fact]
    public void The_mns_host_patterns_match_one_label_only()
    {
        Assert.True(MnsSignatureVerifier.HostMatches("mns-cert.oss-*.aliyuncs.com", "mns-cert.oss-cn-hangzhou.aliyuncs.com"));
        Assert.False(MnsSignatureVerifier.HostMatches("mns-cert.oss-*.aliyuncs.com", "mns-cert.oss-evil.example.net.aliyuncs.com"));
        Assert.False(MnsSignatureVerifier.HostMatches("mns-cert.oss-*.aliyuncs.com", "mns-cert.oss-.aliyuncs.com"));
        Assert.False(MnsSignatureVerifier.HostMatches("mns-cert.oss-*.aliyuncs.com", "mns-cert.oss-cn-hangzhou.aliyuncs.com.evil.net"));
    }

    private static string NewRequestId() => Guid.NewGuid().ToString("N")[..24].ToUpperInvariant();
}
