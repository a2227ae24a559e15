using System.Text.Json;
using LocalOss;
using Microsoft.Extensions.Hosting;
using OssCopy.Functions.Copy;
using OssCopy.Functions.Tests.Support;
using OssCopy.Oss.Models;

namespace OssCopy.Functions.Tests;

/// <summary>
/// Queued copies on the real Azurite queue and tables: the 202 webhook path and <c>GET /api/copy/{id}</c>, durable
/// Idempotency-Keys and event dedupe shared by two separately built hosts, redelivered messages, poison.
/// </summary>
[Collection(FunctionsAppGroup.Name)]
public sealed class AsyncCopyTests(FunctionsAppFixture app)
{
    private const string CloudEventsJson = "application/cloudevents+json; charset=utf-8";
    private static int _keys;

    private static string NewKey(string name) => $"async/{name}-{Interlocked.Increment(ref _keys)}.bin";

    private static Dictionary<string, string> Secret => new() { [FunctionsAppFixture.SecretHeader] = FunctionsAppFixture.EventSecret };

    /// <summary>The app with a 1 MiB multipart threshold (parts of 256 KiB), so a small object takes the multipart path.</summary>
    private IHost BuildMultipartHost(Action<Dictionary<string, string?>>? change = null)
    {
        var settings = app.Settings();
        settings["CopyEngine:MultipartThreshold"] = "1048576";
        settings["CopyEngine:PartSize"] = "262144";
        change?.Invoke(settings);
        return FunctionsAppFixture.BuildHost(settings, app.Logs);
    }

    private static string Body(string source, string destination) => JsonSerializer.Serialize(new
    {
        bucket = FunctionsAppFixture.DestinationBucket, key = destination, sourceBucket = FunctionsAppFixture.SourceBucket, sourceKey = source,
    });

    private static Task<TestResponse> CopyAsync(IHost host, string body, IDictionary<string, string>? headers = null) =>
        FunctionsAppFixture.InvokeAsync<CopyFunction>(host, "/api/copy", System.Text.Encoding.UTF8.GetBytes(body), "application/json", headers, (f, r) => f.RunAsync(r));

    private async Task<PutObjectResult> PutBytesAsync(string key, int size)
    {
        var content = new byte[size];
        new Random(size).NextBytes(content);
        return await app.Admin.PutObjectAsync(new PutObjectRequest { Bucket = FunctionsAppFixture.SourceBucket, Key = key, Body = new MemoryStream(content) });
    }

    [Fact]
    public async Task A_multipart_webhook_copy_answers_202_and_completes_through_the_queue_with_the_outcome_of_the_200_path()
    {
        using var host = BuildMultipartHost();
        var source = NewKey("large");
        var destination = NewKey("large-copy");
        await PutBytesAsync(source, (int)(1.5 * 1024 * 1024));
        var small = NewKey("small");
        await app.PutAsync(FunctionsAppFixture.SourceBucket, small, "answered at once");
        var partCopiesBefore = app.Oss.Counters["UploadPartCopy"];

        var accepted = await CopyAsync(host, Body(source, destination));
        var synchronous = await CopyAsync(host, Body(small, NewKey("small-copy")));

        Assert.True(accepted.Status == 202, accepted.ToString());
        var location = accepted.Headers["Location"];
        Assert.Matches("^/api/copy/[0-9a-f]{32}$", location);
        Assert.Equal("Accepted", accepted.Json.GetProperty("status").GetString());
        Assert.Equal(location, accepted.Json.GetProperty("location").GetString());
        Assert.Equal(200, synchronous.Status);
        Assert.Equal(partCopiesBefore, app.Oss.Counters["UploadPartCopy"]);
        var waiting = await CopyQueueDriver.GetAsync(host, location);
        Assert.Equal(202, waiting.Status);
        Assert.Equal("Accepted", waiting.Headers[CopyStatusFunction.StatusHeader]);

        // Each part copy is slowed, so the copy is seen Running while the queue function works on it.
        app.Oss.Faults.Add(new LocalOssFaultRule { Operation = "UploadPartCopy", Kind = LocalOssFaultKind.Latency, LatencyMilliseconds = 300 });
        var statuses = new List<string>();
        try
        {
            var drain = app.Queue.DrainAsync(host);
            while (!drain.IsCompleted)
            {
                statuses.Add((await CopyQueueDriver.GetAsync(host, location)).Headers[CopyStatusFunction.StatusHeader]);
                await Task.Delay(50);
            }

            Assert.True(await drain >= 1);
        }
        finally
        {
            app.Oss.Faults.Clear();
        }

        Assert.Contains("Running", statuses);
        var done = await CopyQueueDriver.GetAsync(host, location);
        Assert.True(done.Status == 200, done.ToString());
        Assert.Equal("Succeeded", done.Headers[CopyStatusFunction.StatusHeader]);
        Assert.Equal("Copied", done.Json.GetProperty("status").GetString());
        Assert.Equal("Multipart", done.Json.GetProperty("strategy").GetString());
        // The same outcome JSON as the 200 path; a multipart copy names its upload too.
        Assert.Equal(synchronous.Json.EnumerateObject().Select(p => p.Name).Append("uploadId").Order(StringComparer.Ordinal),
            done.Json.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.True(app.Oss.Counters["UploadPartCopy"] >= partCopiesBefore + 6);
        var original = await app.HeadAsync(FunctionsAppFixture.SourceBucket, source);
        var copied = await app.HeadAsync(FunctionsAppFixture.DestinationBucket, destination);
        Assert.NotNull(copied.HashCrc64);
        Assert.Equal(original.HashCrc64, copied.HashCrc64);
        Assert.Equal(original.ContentLength, copied.ContentLength);
    }

    [Fact]
    public async Task A_copy_still_running_after_AsyncAfter_answers_202_and_records_its_outcome_when_it_ends()
    {
        var settings = app.Settings();
        settings["Webhook:AsyncAfter"] = "00:00:00";
        using var host = FunctionsAppFixture.BuildHost(settings, app.Logs);
        var source = NewKey("slow");
        var destination = NewKey("slow-copy");
        await app.PutAsync(FunctionsAppFixture.SourceBucket, source, "slow to copy");
        var copiesBefore = app.Oss.Counters["CopyObject"];

        var accepted = await CopyAsync(host, Body(source, destination));

        Assert.True(accepted.Status == 202, accepted.ToString());
        Assert.Equal("Running", accepted.Json.GetProperty("status").GetString());
        var location = accepted.Headers["Location"];
        TestResponse status;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        do
        {
            await Task.Delay(50);
            status = await CopyQueueDriver.GetAsync(host, location);
        }
        while (status.Status == 202 && DateTime.UtcNow < deadline);

        Assert.True(status.Status == 200, status.ToString());
        Assert.Equal("Copied", status.Json.GetProperty("status").GetString());
        Assert.True(await app.ExistsAsync(FunctionsAppFixture.DestinationBucket, destination));

        // The take-over message waits out the lease: nothing is visible to copy it a second time.
        Assert.Equal(0, await app.Queue.DrainAsync(host));
        Assert.Equal(copiesBefore + 1, app.Oss.Counters["CopyObject"]);
    }

    [Fact]
    public async Task A_repeat_with_the_same_idempotency_key_on_another_instance_returns_the_first_outcome()
    {
        using var other = FunctionsAppFixture.BuildHost(app.Settings(), app.Logs);
        var source = NewKey("idempotent");
        await app.PutAsync(FunctionsAppFixture.SourceBucket, source, "once across instances");
        var body = Body(source, NewKey("idempotent-copy"));
        var headers = new Dictionary<string, string> { ["Idempotency-Key"] = "order/" + Guid.NewGuid() + "?#" };
        var copiesBefore = app.Oss.Counters["CopyObject"];

        var first = await CopyAsync(app.Host, body, headers);
        var repeat = await CopyAsync(other, body, headers);
        var reused = await CopyAsync(other, Body(source, NewKey("idempotent-other")), headers);

        Assert.True(first.Status == 200, first.ToString());
        Assert.Equal(200, repeat.Status);
        Assert.Equal(first.Text, repeat.Text);
        Assert.Equal("true", repeat.Headers["Idempotent-Replayed"]);
        Assert.Equal(422, reused.Status);
        Assert.Equal(copiesBefore + 1, app.Oss.Counters["CopyObject"]);
    }

    [Fact]
    public async Task A_repeat_of_a_queued_copy_with_its_idempotency_key_points_at_the_same_copy()
    {
        using var host = BuildMultipartHost();
        using var other = BuildMultipartHost();
        var source = NewKey("idempotent-large");
        await PutBytesAsync(source, 1024 * 1024 + 1);
        var body = Body(source, NewKey("idempotent-large-copy"));
        var headers = new Dictionary<string, string> { ["Idempotency-Key"] = Guid.NewGuid().ToString() };

        var first = await CopyAsync(host, body, headers);
        var repeat = await CopyAsync(other, body, headers);
        await app.Queue.DrainAsync(host);

        Assert.True(first.Status == 202, first.ToString());
        Assert.Equal(202, repeat.Status);
        Assert.Equal(first.Headers["Location"], repeat.Headers["Location"]);
        Assert.Equal("true", repeat.Headers["Idempotent-Replayed"]);
        Assert.Equal(200, (await CopyQueueDriver.GetAsync(other, repeat.Headers["Location"])).Status);
    }

    [Fact]
    public async Task An_event_delivered_twice_to_two_instances_and_its_message_delivered_twice_is_copied_once()
    {
        using var other = FunctionsAppFixture.BuildHost(app.Settings(), app.Logs);
        var key = "in/" + NewKey("event-twice")["async/".Length..];
        var put = await app.PutAsync(FunctionsAppFixture.EventSourceBucket, key, "one copy only");
        var requestId = Guid.NewGuid().ToString("N")[..24].ToUpperInvariant();
        var cloudEvent = OssEvents.CloudEvent("ObjectCreated:PutObject", FunctionsAppFixture.EventSourceBucket, key, put.ETag, requestId);
        var copiesBefore = app.Oss.Counters["CopyObject"];

        var first = await app.EventAsync(cloudEvent, CloudEventsJson, Secret);
        var second = await FunctionsAppFixture.InvokeAsync<Events.EventsFunction>(other, "/api/events", cloudEvent, CloudEventsJson, Secret, (f, r) => f.RunAsync(r));
        var copyId = first.Json.GetProperty("events")[0].GetProperty("copies")[0].GetProperty("copyId").GetString()!;
        // The queue delivers at least once: the same message again.
        await app.Queue.Queue.SendMessageAsync(BinaryData.FromObjectAsJson(new CopyRequestMessage(copyId), JsonSerializerOptions.Web));
        var deliveries = await app.DrainAsync();
        await CopyQueueDriver.RunAsync(other, JsonSerializer.Serialize(new CopyRequestMessage(copyId), JsonSerializerOptions.Web), poison: false);

        Assert.Equal(200, first.Status);
        Assert.Equal("Queued", first.Json.GetProperty("events")[0].GetProperty("copies")[0].GetProperty("disposition").GetString());
        Assert.Equal("Duplicate", second.Json.GetProperty("events")[0].GetProperty("result").GetString());
        Assert.True(deliveries >= 2);
        Assert.Equal(copiesBefore + 1, app.Oss.Counters["CopyObject"]);
        var status = await CopyQueueDriver.GetAsync(other, "/api/copy/" + copyId);
        Assert.Equal("Copied", status.Headers[CopyStatusFunction.DispositionHeader]);
        Assert.Equal("copied/" + key["in/".Length..], status.Json.GetProperty("key").GetString());
    }

    [Fact]
    public async Task A_copy_that_fails_on_every_delivery_is_moved_to_poison_and_recorded_failed()
    {
        using var host = BuildMultipartHost();
        var source = NewKey("always-throttled");
        await PutBytesAsync(source, 1024 * 1024 + 7);
        var accepted = await CopyAsync(host, Body(source, NewKey("never-copied")));
        var location = accepted.Headers["Location"];
        app.Oss.Faults.Add(new LocalOssFaultRule { Operation = "InitiateMultipartUpload", Kind = LocalOssFaultKind.InternalError });
        int deliveries;
        try
        {
            deliveries = await app.Queue.DrainAsync(host);
        }
        finally
        {
            app.Oss.Faults.Clear();
        }

        var failed = await CopyQueueDriver.GetAsync(host, location);

        Assert.Equal(CopyQueueDriver.MaxDequeueCount, deliveries);
        Assert.Equal("Failed", failed.Headers[CopyStatusFunction.StatusHeader]);
        Assert.Equal(502, failed.Status);
        Assert.StartsWith("application/problem+json", failed.ContentType, StringComparison.Ordinal);
        Assert.NotEmpty((await app.Queue.PoisonQueue.PeekMessagesAsync(32)).Value);
    }

    [Fact]
    public async Task A_message_delivered_again_while_its_copy_runs_elsewhere_waits_out_the_lease_and_copies_nothing()
    {
        using var host = BuildMultipartHost();
        using var other = BuildMultipartHost();
        var source = NewKey("held");
        await PutBytesAsync(source, 1024 * 1024 + 3);
        await app.DrainAsync(); // copies other tests left queued: this test counts uploads
        var accepted = await CopyAsync(host, Body(source, NewKey("held-copy")));
        var location = accepted.Headers["Location"];
        var message = JsonSerializer.Serialize(new CopyRequestMessage(location["/api/copy/".Length..]), JsonSerializerOptions.Web);
        var uploadsBefore = app.Oss.Counters["InitiateMultipartUpload"];
        app.Oss.Faults.Add(new LocalOssFaultRule { Operation = "UploadPartCopy", Kind = LocalOssFaultKind.Latency, LatencyMilliseconds = 300 });
        try
        {
            // The first delivery takes the copy up; the second arrives on another instance while it runs.
            var running = CopyQueueDriver.RunAsync(host, message, poison: false);
            while ((await CopyQueueDriver.GetAsync(other, location)).Headers[CopyStatusFunction.StatusHeader] != "Running")
            {
                Assert.False(running.IsCompleted, "The copy finished before it was seen running.");
                await Task.Delay(20);
            }

            await CopyQueueDriver.RunAsync(other, message, poison: false);
            await running;
        }
        finally
        {
            app.Oss.Faults.Clear();
        }

        var done = await CopyQueueDriver.GetAsync(other, location);
        Assert.Equal(200, done.Status);
        Assert.Equal(uploadsBefore + 1, app.Oss.Counters["InitiateMultipartUpload"]);
        // The queue's own message of the copy comes last and finds it done; the second delivery's deferred message
        // stays invisible until the lease ends.
        Assert.Equal(1, await app.Queue.DrainAsync(other));
        Assert.Equal(uploadsBefore + 1, app.Oss.Counters["InitiateMultipartUpload"]);
    }

    [Fact]
    public async Task An_unknown_or_malformed_copy_id_is_404()
    {
        Assert.Equal(404, (await CopyQueueDriver.GetAsync(app.Host, "/api/copy/" + new string('0', 32))).Status);
        Assert.Equal(404, (await CopyQueueDriver.GetAsync(app.Host, "/api/copy/NOT-an-id")).Status);
    }
}
