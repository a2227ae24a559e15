using System.Text.Json;
using OssCopy.Functions.ProcessTests.Protocol;
using OssCopy.Functions.ProcessTests.Support;

namespace OssCopy.Functions.ProcessTests;

/// <summary>The worker's logs as the host receives them: the <c>RpcLog</c> messages on the gRPC stream, and its console.</summary>
[Collection(WorkerAppGroup.Name)]
public sealed class WorkerLogTests(WorkerAppFixture app)
{
    private static string Text(RpcLog log) => $"{log.Category} {log.Message} {log.Exception?.Message} {log.Exception?.StackTrace} {log.Properties}";

    [Fact]
    public async Task The_rpc_log_stream_carries_the_oss_request_id_of_a_copy_and_no_secret()
    {
        await app.PutAsync(WorkerAppFixture.SourceBucket, "logs/source.txt", "logged");
        var copied = await app.CopyAsync(JsonSerializer.Serialize(new
        {
            sourceBucket = WorkerAppFixture.SourceBucket, sourceKey = "logs/source.txt", bucket = WorkerAppFixture.DestinationBucket, key = "logs/copy.txt",
        }));
        var missing = await app.CopyAsync(JsonSerializer.Serialize(new
        {
            sourceBucket = WorkerAppFixture.SourceBucket, sourceKey = "logs/missing.txt", bucket = WorkerAppFixture.DestinationBucket, key = "logs/never.txt",
        }));
        Assert.True(copied.Status == 200, $"{copied}. {app.Host.Describe()}");
        Assert.True(missing.Status == 404, $"{missing}. {app.Host.Describe()}");
        var requestIds = new[] { copied.Json.GetProperty("requestId").GetString()!, missing.Json.GetProperty("requestId").GetString()! };

        // Logs travel on the stream beside the invocation response: allow them a moment to arrive.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!requestIds.All(id => app.Host.Logs.Any(l => Text(l).Contains(id, StringComparison.Ordinal))) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        var lines = app.Host.Logs.Select(Text).ToList();
        foreach (var requestId in requestIds)
        {
            Assert.True(lines.Any(l => l.Contains(requestId, StringComparison.Ordinal)), $"No RpcLog names request id {requestId}. {app.Host.Describe()}");
        }

        foreach (var secret in WorkerAppFixture.Secrets)
        {
            Assert.DoesNotContain(lines, l => l.Contains(secret, StringComparison.Ordinal));
            Assert.DoesNotContain(secret, app.Host.Worker.Output, StringComparison.Ordinal);
        }
    }
}
