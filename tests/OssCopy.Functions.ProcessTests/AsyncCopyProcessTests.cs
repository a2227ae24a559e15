using System.Text.Json;
using OssCopy.Functions.ProcessTests.AsyncCopy;
using OssCopy.Functions.ProcessTests.Protocol;
using OssCopy.Functions.ProcessTests.Support;
using OssCopy.Oss.Models;

namespace OssCopy.Functions.ProcessTests;

/// <summary>
/// Copies through the queue, through the process: the 202 multipart webhook copy and an OSS event's copy. In the
/// worker collection, so the two worker processes never start at once: each picks its HTTP port by binding port 0 and
/// letting go, and two at the same moment can pick the same one.
/// </summary>
[Collection(WorkerAppGroup.Name)]
public sealed class AsyncCopyProcessTests(AsyncCopyWorkerFixture app) : IClassFixture<AsyncCopyWorkerFixture>
{
    [Fact]
    public async Task A_multipart_webhook_copy_answers_202_and_completes_through_a_queue_invocation()
    {
        var source = "async/large-" + Guid.NewGuid().ToString("N") + ".bin";
        var destination = "async/large-copy-" + Guid.NewGuid().ToString("N") + ".bin";
        var content = new byte[(1024 * 1024) + (512 * 1024)];
        new Random(7).NextBytes(content);
        await app.Admin.PutObjectAsync(new PutObjectRequest { Bucket = WorkerAppFixture.SourceBucket, Key = source, Body = new MemoryStream(content) });
        var body = JsonSerializer.Serialize(new { sourceBucket = WorkerAppFixture.SourceBucket, sourceKey = source, bucket = WorkerAppFixture.DestinationBucket, key = destination });

        var accepted = await app.Http.PostAsync("Copy", "/api/copy", System.Text.Encoding.UTF8.GetBytes(body), "application/json");

        Assert.True(accepted.Status == 202, $"{accepted}. {app.Host.Describe()}");
        var id = accepted.Json.GetProperty("id").GetString()!;
        Assert.Equal("/api/copy/" + id, accepted.Json.GetProperty("location").GetString());
        var pending = await app.GetAsync("CopyStatus", "/api/copy/" + id, new Dictionary<string, string> { ["id"] = id });
        Assert.True(pending.Status == 202, $"{pending.Status} {pending.Json}. {app.Host.Describe()}");
        Assert.Equal("Accepted", pending.Json.GetProperty("status").GetString());

        var invocations = await app.DrainAsync();

        var invocation = Assert.Single(invocations);
        Assert.True(invocation.Result.Status == StatusResult.Types.Status.Success, $"{invocation.Result.Exception?.Message}. {app.Host.Describe()}");
        var done = await app.GetAsync("CopyStatus", "/api/copy/" + id, new Dictionary<string, string> { ["id"] = id });
        Assert.True(done.Status == 200, $"{done.Status} {done.Json}. {app.Host.Describe()}");
        Assert.Equal("Copied", done.Json.GetProperty("status").GetString());
        Assert.Equal("Multipart", done.Json.GetProperty("strategy").GetString());
        var original = (await app.Admin.HeadObjectAsync(new HeadObjectRequest { Bucket = WorkerAppFixture.SourceBucket, Key = source })).Properties;
        var copied = (await app.Admin.HeadObjectAsync(new HeadObjectRequest { Bucket = WorkerAppFixture.DestinationBucket, Key = destination })).Properties;
        Assert.NotNull(copied.HashCrc64);
        Assert.Equal(original.HashCrc64, copied.HashCrc64);
    }

    [Fact]
    public async Task An_oss_event_is_acknowledged_at_once_and_copied_through_a_queue_invocation()
    {
        var key = "in/event-" + Guid.NewGuid().ToString("N") + ".txt";
        var put = await app.Admin.PutObjectAsync(new PutObjectRequest
        {
            Bucket = WorkerAppFixture.EventSourceBucket, Key = key, Body = new MemoryStream(System.Text.Encoding.UTF8.GetBytes("event through the queue")),
        });
        var copiesBefore = app.Oss.Counters["CopyObject"];

        var response = await app.Http.PostAsync("OssEvents", "/api/events",
            CloudEvents.ObjectCreated(WorkerAppFixture.EventSourceBucket, key, put.ETag!, Guid.NewGuid().ToString("N")[..24].ToUpperInvariant()),
            CloudEvents.ContentType, new Dictionary<string, string> { [WorkerAppFixture.SecretHeader] = WorkerAppFixture.EventSecret });

        Assert.True(response.Status == 200, $"{response}. {app.Host.Describe()}");
        Assert.Equal("Queued", response.Json.GetProperty("events")[0].GetProperty("copies")[0].GetProperty("disposition").GetString());
        Assert.Equal(copiesBefore, app.Oss.Counters["CopyObject"]);

        var invocations = await app.DrainAsync();

        Assert.All(invocations, i => Assert.True(i.Result.Status == StatusResult.Types.Status.Success, $"{i.Result.Exception?.Message}. {app.Host.Describe()}"));
        Assert.Equal(copiesBefore + 1, app.Oss.Counters["CopyObject"]);
        await using var copied = await app.Admin.GetObjectAsync(new GetObjectRequest { Bucket = WorkerAppFixture.EventDestinationBucket, Key = "copied/" + key["in/".Length..] });
        using var reader = new StreamReader(copied.Content);
        Assert.Equal("event through the queue", await reader.ReadToEndAsync());
    }
}
