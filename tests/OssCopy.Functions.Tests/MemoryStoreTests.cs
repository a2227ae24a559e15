using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using OssCopy.Functions.Configuration;
using OssCopy.Functions.Copy;
using OssCopy.Functions.Events;

namespace OssCopy.Functions.Tests;

/// <summary>The in-memory seams the queue and table parts will replace: what they promise, on a fake clock.</summary>
public sealed class MemoryStoreTests
{
    private static readonly StoredResponse Answer = new(200, "application/json", "{}"u8.ToArray());

    private static InMemoryIdempotencyStore Store(FakeTimeProvider time) =>
        new(time, Options.Create(new WebhookOptions { IdempotencyRetention = TimeSpan.FromHours(1) }));

    [Fact]
    public async Task An_idempotency_key_is_reserved_once_in_progress_then_completed_then_forgotten_after_the_retention()
    {
        var time = new FakeTimeProvider();
        var store = Store(time);

        Assert.Equal(IdempotencyState.Reserved, (await store.ReserveAsync("k", "body-a", default)).State);
        Assert.Equal(IdempotencyState.InProgress, (await store.ReserveAsync("k", "body-a", default)).State);
        await store.CompleteAsync("k", Answer, default);
        var repeat = await store.ReserveAsync("k", "body-a", default);
        Assert.Equal(IdempotencyState.Completed, repeat.State);
        Assert.Same(Answer, repeat.Response);
        Assert.Equal(IdempotencyState.Mismatch, (await store.ReserveAsync("k", "body-b", default)).State);

        time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        Assert.Equal(IdempotencyState.Reserved, (await store.ReserveAsync("k", "body-b", default)).State);
    }

    [Fact]
    public async Task A_released_idempotency_key_runs_again()
    {
        var store = Store(new FakeTimeProvider());
        await store.ReserveAsync("k", "body", default);

        await store.ReleaseAsync("k", default);

        Assert.Equal(IdempotencyState.Reserved, (await store.ReserveAsync("k", "body", default)).State);
    }

    [Fact]
    public async Task An_event_is_taken_once_until_released_or_its_window_ends()
    {
        var time = new FakeTimeProvider();
        var events = new EventOptions { DeduplicationWindow = TimeSpan.FromMinutes(10) };
        var deduplicator = new InMemoryEventDeduplicator(time, Options.Create(events));

        Assert.True(await deduplicator.TryBeginAsync("e", default));
        Assert.False(await deduplicator.TryBeginAsync("e", default));
        await deduplicator.ReleaseAsync("e", default);
        Assert.True(await deduplicator.TryBeginAsync("e", default));
        await deduplicator.CompleteAsync("e", default);
        time.Advance(TimeSpan.FromMinutes(9));
        Assert.False(await deduplicator.TryBeginAsync("e", default));
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.True(await deduplicator.TryBeginAsync("e", default));
    }
}
