using System.Text.Json;
using OssCopy.Functions.ProcessTests.Protocol;
using OssCopy.Functions.ProcessTests.Support;

namespace OssCopy.Functions.ProcessTests;

/// <summary><c>POST /api/copy</c> proxied to the worker process the way the host does it.</summary>
[Collection(WorkerAppGroup.Name)]
public sealed class CopyWebhookTests(WorkerAppFixture app)
{
    private static int _keys;

    private static string NewKey(string name) => $"webhook/{name}-{Interlocked.Increment(ref _keys)}.txt";

    private static string Body(string sourceKey, string key) => JsonSerializer.Serialize(new
    {
        sourceBucket = WorkerAppFixture.SourceBucket, sourceKey, bucket = WorkerAppFixture.DestinationBucket, key,
    });

    [Fact]
    public async Task A_webhook_copy_through_the_process_copies_the_object_and_answers_the_outcome()
    {
        var source = NewKey("source");
        var destination = NewKey("destination");
        await app.PutAsync(WorkerAppFixture.SourceBucket, source, "through the worker");

        var response = await app.CopyAsync(Body(source, destination));

        Assert.True(response.Status == 200, $"{response}. {app.Host.Describe()}");
        Assert.Equal(StatusResult.Types.Status.Success, response.Invocation.Result.Status);
        Assert.Equal("Copied", response.Json.GetProperty("status").GetString());
        Assert.Equal(destination, response.Json.GetProperty("key").GetString());
        Assert.Equal("through the worker", await app.GetTextAsync(WorkerAppFixture.DestinationBucket, destination));
    }

    [Fact]
    public async Task A_bad_body_is_answered_400_naming_the_fields_and_sends_nothing_to_OSS()
    {
        var copiesBefore = app.Oss.Counters["CopyObject"];

        var response = await app.CopyAsync("""{"bucket":"","sourceKey":7}""");

        Assert.True(response.Status == 400, $"{response}. {app.Host.Describe()}");
        Assert.StartsWith("application/problem+json", response.ContentType, StringComparison.Ordinal);
        var errors = response.Json.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/bucket", errors);
        Assert.Contains("/sourceKey", errors);
        Assert.Equal(copiesBefore, app.Oss.Counters["CopyObject"]);
    }
}
