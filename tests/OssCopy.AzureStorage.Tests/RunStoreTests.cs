using Microsoft.Extensions.Time.Testing;
using OssCopy.Core.Backup;

namespace OssCopy.AzureStorage.Tests;

[Collection(AzuriteTests.Name)]
public sealed class RunStoreTests(AzuriteFixture azurite)
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));

    private async Task<(AzureStorageOptions Options, Func<RunStore> NewStore)> CreateAsync()
    {
        var options = TestNames.UniqueOptions(o => o.StalePeriod = TimeSpan.FromMinutes(5));
        RunStore NewStore() => new(azurite.CreateClients(), options, _time);
        await NewStore().CreateIfNotExistsAsync(CancellationToken.None);
        return (options, NewStore);
    }

    [Fact]
    public async Task Eight_concurrent_starts_of_a_plan_make_one_run()
    {
        var (_, newStore) = await CreateAsync();

        // Each start on its own client, as separate function instances would be.
        var starts = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => newStore().StartAsync("nightly", "fp1", CancellationToken.None))));

        Assert.Single(starts, s => s.Outcome == RunStartOutcome.Started);
        Assert.Equal(7, starts.Count(s => s.Outcome == RunStartOutcome.AlreadyActive));
        Assert.Single(starts.Select(s => s.Run.RunId).Distinct());
        var active = await newStore().GetActiveAsync("nightly", CancellationToken.None);
        Assert.Equal(starts[0].Run.RunId, active?.RunId);
    }

    [Fact]
    public async Task A_run_whose_heartbeat_is_stale_is_taken_over_once_with_the_same_run_id()
    {
        var (_, newStore) = await CreateAsync();
        var first = await newStore().StartAsync("plan/with#odd?name", "fp1", CancellationToken.None);
        await newStore().AddAsync("plan/with#odd?name", first.Run.RunId, new ReportTotals { Copied = 3, CopiedBytes = 30 }, 1, CancellationToken.None);

        _time.Advance(TimeSpan.FromMinutes(4));
        var whileAlive = await newStore().StartAsync("plan/with#odd?name", "fp1", CancellationToken.None);
        Assert.Equal(RunStartOutcome.AlreadyActive, whileAlive.Outcome);

        _time.Advance(TimeSpan.FromMinutes(2));
        var takeovers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => newStore().StartAsync("plan/with#odd?name", "fp1", CancellationToken.None))));

        var taken = Assert.Single(takeovers, s => s.Outcome == RunStartOutcome.TookOver);
        Assert.Equal(3, takeovers.Count(s => s.Outcome == RunStartOutcome.AlreadyActive));
        Assert.All(takeovers, s => Assert.Equal(first.Run.RunId, s.Run.RunId));
        Assert.Equal(1, taken.Run.Takeovers);
        Assert.Equal(3, taken.Run.Totals.Copied);
        Assert.Equal(_time.GetUtcNow(), taken.Run.HeartbeatAt);
        Assert.Equal(first.Run.StartedAt, taken.Run.StartedAt);
    }

    [Fact]
    public async Task Concurrent_updates_of_a_run_lose_nothing()
    {
        var (_, newStore) = await CreateAsync();
        var run = (await newStore().StartAsync("p", "fp", CancellationToken.None)).Run;

        await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() =>
            newStore().AddAsync("p", run.RunId, new ReportTotals { Copied = 1, CopiedBytes = i, Listed = 2 }, 1, CancellationToken.None))));

        var after = await newStore().GetAsync("p", run.RunId, CancellationToken.None);
        Assert.NotNull(after);
        Assert.Equal(16, after.Totals.Copied);
        Assert.Equal(Enumerable.Range(0, 16).Sum(), after.Totals.CopiedBytes);
        Assert.Equal(32, after.Totals.Listed);
        Assert.Equal(16, after.BatchesCompleted);
    }

    [Fact]
    public async Task Listing_positions_and_counters_are_kept_and_progress_reads_from_the_record()
    {
        var (_, newStore) = await CreateAsync();
        var store = newStore();
        var run = (await store.StartAsync("p", "fp", CancellationToken.None)).Run;
        var longKey = new string('é', 511) + "/#?\u0001";
        await store.UpdateAsync("p", run.RunId, r => r with
        {
            Status = RunStatus.Copying,
            Listing = new Dictionary<string, ListingPosition>(r.Listing) { ["0"] = new(longKey, false), ["1"] = new(null, true) },
            BatchesEnqueued = r.BatchesEnqueued + 3,
            ObjectsEnqueued = r.ObjectsEnqueued + 250,
        }, CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(10));
        await store.AddAsync("p", run.RunId, new ReportTotals { Listed = 250, Copied = 100, CopiedBytes = 1_000_000, Unchanged = 50 }, 2, CancellationToken.None);

        var read = await newStore().GetAsync("p", run.RunId, CancellationToken.None);
        Assert.NotNull(read);
        Assert.Equal(RunStatus.Copying, read.Status);
        Assert.Equal(new ListingPosition(longKey, false), read.Listing["0"]);
        Assert.Equal(new ListingPosition(null, true), read.Listing["1"]);
        var progress = read.Progress(_time.GetUtcNow());
        Assert.Equal(250, progress.Enqueued);
        Assert.Equal(150, progress.Done);
        Assert.Equal(3, progress.BatchesEnqueued);
        Assert.Equal(2, progress.BatchesCompleted);
        Assert.Equal(TimeSpan.FromSeconds(10), progress.Elapsed);
        Assert.Equal(100_000, progress.BytesPerSecond, precision: 6);
        Assert.Equal(15, progress.ObjectsPerSecond, precision: 6);
    }

    [Fact]
    public async Task A_finished_run_frees_the_plan_and_takes_no_more_updates()
    {
        var (_, newStore) = await CreateAsync();
        var store = newStore();
        var first = (await store.StartAsync("p", "fp", CancellationToken.None)).Run;
        _time.Advance(TimeSpan.FromSeconds(1));

        var finished = await store.FinishAsync("p", first.RunId, RunStatus.Completed, r => r with { Error = null }, CancellationToken.None);
        var again = await store.FinishAsync("p", first.RunId, RunStatus.Failed, null, CancellationToken.None);

        Assert.Equal(RunStatus.Completed, finished.Status);
        Assert.Equal(RunStatus.Completed, again.Status);
        Assert.Equal(_time.GetUtcNow(), finished.FinishedAt);
        Assert.Null(await store.GetActiveAsync("p", CancellationToken.None));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.HeartbeatAsync("p", first.RunId, CancellationToken.None));

        _time.Advance(TimeSpan.FromSeconds(1));
        var second = await store.StartAsync("p", "fp", CancellationToken.None);
        Assert.Equal(RunStartOutcome.Started, second.Outcome);
        Assert.NotEqual(first.RunId, second.Run.RunId);
        Assert.Equal(RunStatus.Completed, (await store.GetAsync("p", first.RunId, CancellationToken.None))?.Status);
    }
    [Fact]
    public async Task A_batch_claim_holds_off_other_workers_until_its_lease_ends_and_only_the_holder_counts_the_batch()
    {
        var (_, newStore) = await CreateAsync();
        var run = (await newStore().StartAsync("p", "fp", CancellationToken.None)).Run;
        var lease = TimeSpan.FromSeconds(30);

        var (firstState, first) = await newStore().TryClaimBatchAsync("p", run.RunId, "b-1", lease, CancellationToken.None);
        var (secondState, second) = await newStore().TryClaimBatchAsync("p", run.RunId, "b-1", lease, CancellationToken.None);
        Assert.Equal((BatchClaimState.Claimed, true), (firstState, first!.Fresh));
        Assert.Equal((BatchClaimState.HeldElsewhere, null), (secondState, second));

        // Renewed, it stays held past the first lease; not renewed, it is taken over (not fresh: work was done on it).
        _time.Advance(TimeSpan.FromSeconds(20));
        first = await newStore().RenewBatchClaimAsync(first, lease, CancellationToken.None);
        Assert.NotNull(first);
        _time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(BatchClaimState.HeldElsewhere, (await newStore().TryClaimBatchAsync("p", run.RunId, "b-1", lease, CancellationToken.None)).State);
        _time.Advance(TimeSpan.FromSeconds(11));
        var takeovers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => newStore().TryClaimBatchAsync("p", run.RunId, "b-1", lease, CancellationToken.None))));
        var (_, taken) = Assert.Single(takeovers, t => t.State == BatchClaimState.Claimed);
        Assert.False(taken!.Fresh);

        // The old holder lost it: it renews nothing and counts nothing; the new holder counts the batch once.
        Assert.Null(await newStore().RenewBatchClaimAsync(first, lease, CancellationToken.None));
        Assert.Null(await newStore().CompleteBatchAsync(first, new ReportTotals { Copied = 5 }, CancellationToken.None));
        var counted = await newStore().CompleteBatchAsync(taken, new ReportTotals { Copied = 5 }, CancellationToken.None);
        Assert.Equal((5L, 1L), (counted!.Totals.Copied, counted.BatchesCompleted));
        Assert.True(await newStore().IsBatchCompletedAsync("p", run.RunId, "b-1", CancellationToken.None));
        Assert.Equal(BatchClaimState.Completed, (await newStore().TryClaimBatchAsync("p", run.RunId, "b-1", lease, CancellationToken.None)).State);
        Assert.Null(await newStore().CompleteBatchAsync("p", run.RunId, "b-1", new ReportTotals { Copied = 5 }, CancellationToken.None));

        // A released claim is taken at once.
        var (_, other) = await newStore().TryClaimBatchAsync("p", run.RunId, "b-2", lease, CancellationToken.None);
        Assert.True(await newStore().ReleaseBatchClaimAsync(other!, CancellationToken.None));
        Assert.Equal(BatchClaimState.Claimed, (await newStore().TryClaimBatchAsync("p", run.RunId, "b-2", lease, CancellationToken.None)).State);
    }
}

[Collection(AzuriteTests.Name)]
public sealed class RunStoreLimitTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Too_many_long_listing_cursors_are_refused_by_name_instead_of_failing_in_the_table()
    {
        var options = TestNames.UniqueOptions();
        var store = new RunStore(azurite.CreateClients(), options, TimeProvider.System);
        await store.CreateIfNotExistsAsync(CancellationToken.None);
        var run = (await store.StartAsync("p", "fp", CancellationToken.None)).Run;
        var cursor = OutcomeStoreTests.Exactly1023Bytes('x');

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.UpdateAsync("p", run.RunId, r => r with
        {
            Listing = Enumerable.Range(0, 40).ToDictionary(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture), _ => new ListingPosition(cursor, false)),
        }, CancellationToken.None));

        Assert.Contains("40 key ranges", error.Message, StringComparison.Ordinal);
        Assert.Equal(RunStatus.Listing, (await store.GetAsync("p", run.RunId, CancellationToken.None))?.Status);
    }
}
