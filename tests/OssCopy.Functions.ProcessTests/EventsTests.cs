using OssCopy.Functions.ProcessTests.Support;

namespace OssCopy.Functions.ProcessTests;

/// <summary><c>POST /api/events</c>: an EventBridge CloudEvent proxied to the worker process.</summary>
[Collection(WorkerAppGroup.Name)]
public sealed class EventsTests(WorkerAppFixture app)
{
    private static int _keys;

    private static string NewKey(string name) => $"in/{name}-{Interlocked.Increment(ref _keys)}.bin";

    // An event copied through the process needs the app's storage (events are copied through the queue): see
    // AsyncCopyProcessTests.An_oss_event_is_acknowledged_at_once_and_copied_through_a_queue_invocation.

    [Fact]
    public async Task An_oss_event_without_the_shared_secret_is_refused_and_copies_nothing()
    {
        var key = NewKey("unauthenticated");
        var put = await app.PutAsync(WorkerAppFixture.EventSourceBucket, key, "not to be copied");
        var copiesBefore = app.Oss.Counters["CopyObject"];

        var response = await app.EventAsync(CloudEvents.ObjectCreated(WorkerAppFixture.EventSourceBucket, key, put.ETag!, "5F0000000000000000000002"),
            CloudEvents.ContentType, new Dictionary<string, string> { [WorkerAppFixture.SecretHeader] = WorkerAppFixture.EventSecret + "-wrong" });

        Assert.True(response.Status == 401, $"{response}. {app.Host.Describe()}");
        Assert.Equal(copiesBefore, app.Oss.Counters["CopyObject"]);
    }
}
