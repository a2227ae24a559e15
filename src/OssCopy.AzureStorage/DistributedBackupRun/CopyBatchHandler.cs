using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OssCopy.Core.Backup;
using OssCopy.Oss.Http;

namespace OssCopy.AzureStorage.DistributedBackupRun;

/// <summary>
/// Handles one copy batch. The batch is claimed first (<see cref="RunStore.TryClaimBatchAsync"/>: one holder at a time,
/// the lease renewed while copying), so two deliveries of it (a redelivered message, or the same batch sent by two
/// deliveries of a list step) never copy at once: a second one waits for the first to complete or to lose its lease.
/// Every object the run has no outcome for goes through <see cref="PlanObjectCopier"/> (decide, copy, verify,
/// lineage; a failure is a report line, never an exception; in a batch worked on before, its destination is looked
/// at first, so what a killed worker copied but did not record is not copied again), paced by the worker's
/// <see cref="AdaptiveConcurrencyLimiter"/>. The lines are recorded together (<see cref="OutcomeStore.AddManyAsync"/>:
/// a transaction per partition; a batch claimed fresh has no outcomes to look up first), and the batch is counted once
/// with its claim (<see cref="RunStore.CompleteBatchAsync(BatchClaim, ReportTotals, CancellationToken)"/>).
/// Cancelled, it starts no more copies, lets those under way finish, records their lines, gives the claim up and
/// throws: the message is not deleted, reappears, and the next delivery copies only the rest.
/// </summary>
public sealed partial class CopyBatchHandler
{
    private readonly RunStore _runs;
    private readonly OutcomeStore _outcomes;
    private readonly RunContexts _contexts;
    private readonly PlanObjectCopier _copier;
    private readonly RunFinalizer _finalizer;
    private readonly TimeProvider _time;
    private readonly AzureStorageOptions _options;
    private readonly ILogger _logger;

    public CopyBatchHandler(RunStore runs, OutcomeStore outcomes, RunContexts contexts, PlanObjectCopier copier, RunFinalizer finalizer, TimeProvider time,
        IOptions<AzureStorageOptions> options, ILogger<CopyBatchHandler> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _runs = runs ?? throw new ArgumentNullException(nameof(runs));
        _outcomes = outcomes ?? throw new ArgumentNullException(nameof(outcomes));
        _contexts = contexts ?? throw new ArgumentNullException(nameof(contexts));
        _copier = copier ?? throw new ArgumentNullException(nameof(copier));
        _finalizer = finalizer ?? throw new ArgumentNullException(nameof(finalizer));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _options = options.Value;
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>Handles one delivery of a copy batch (a Functions queue trigger calls this with the message and its dequeue count).</summary>
    public async Task HandleAsync(CopyBatchMessage<CopyWorkItem> batch, long dequeueCount, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var run = await _runs.GetAsync(batch.Plan, batch.RunId, cancellationToken);
        if (run is null || run.IsFinished)
        {
            return;
        }

        var claim = await ClaimAsync(batch, cancellationToken);
        if (claim is null)
        {
            return;
        }

        var lost = false;
        var requests = new OssRequestCounter();
        using var counting = requests.Attach();
        var entries = new ConcurrentDictionary<string, ReportEntry>(StringComparer.Ordinal);
        var copied = new ConcurrentQueue<ReportEntry>();
        try
        {
            var context = await _contexts.GetAsync(batch.Plan, batch.RunId, cancellationToken)
                ?? throw new InvalidOperationException($"Run '{batch.RunId}' of plan '{batch.Plan}' has no spec.");
            if (!claim.Fresh)
            {
                // Worked on before: what it recorded is not copied again.
                foreach (var (key, entry) in await _outcomes.FindRecordedAsync(batch.RunId, batch.Items.Select(i => i.Source.Key), cancellationToken))
                {
                    entries[key] = entry;
                }
            }

            var todo = batch.Items.Where(i => !entries.ContainsKey(i.Source.Key)).ToList();
            if (dequeueCount > 1 || !claim.Fresh)
            {
                Log.Redelivered(_logger, batch.Plan, batch.RunId, batch.BatchId, dequeueCount, batch.Items.Count - todo.Count, todo.Count);
            }

            // Worked on before: an item copied then but not recorded may be in the destination already (looked for
            // first, so nothing is copied twice); a fresh batch pays no HEADs.
            var checkDestinationFirst = !claim.Fresh;
            var foundCopied = 0;
            using var renewing = new CancellationTokenSource();
            var renewal = RenewAsync(claim, c => claim = c, () => lost = true, renewing.Token);

            // Copies under way are not cancelled: one that finished on the server but not here would be copied again.
            // As many copies as the worker's limiter could ever allow wait on it, whatever its limit now: the limiter
            // alone bounds the copies in flight, so while another batch of this worker drains its tail, is recorded or
            // waits out a throttled copy's backoff, this one fills the slots.
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = context.Context.Limiter?.Maximum ?? 2 };
            await Parallel.ForEachAsync(todo, parallel, async (item, _) =>
            {
                if (cancellationToken.IsCancellationRequested || Volatile.Read(ref lost))
                {
                    return;
                }

                if (!checkDestinationFirst)
                {
                    copied.Enqueue(await _copier.CopyAsync(context.Context, item, CancellationToken.None));
                    return;
                }

                var result = await _copier.CopyUnlessCopiedAlreadyAsync(context.Context, item, CancellationToken.None);
                if (result.FoundCopied)
                {
                    Interlocked.Increment(ref foundCopied);
                }

                copied.Enqueue(result.Entry);
            });

            await renewing.CancelAsync();
            await renewal;
            if (checkDestinationFirst)
            {
                Log.FoundCopied(_logger, batch.Plan, batch.RunId, batch.BatchId, foundCopied, copied.Count);
            }

            foreach (var entry in await _outcomes.AddManyAsync(batch.RunId, [.. copied], CancellationToken.None))
            {
                entries[entry.Key] = entry;
            }
        }
        catch (Exception)
        {
            // Recorded what was copied (above, or not at all when recording failed); the next delivery takes the batch at once.
            await _runs.ReleaseBatchClaimAsync(claim, CancellationToken.None);
            throw;
        }

        if (cancellationToken.IsCancellationRequested || lost)
        {
            if (!lost)
            {
                await _runs.ReleaseBatchClaimAsync(claim, CancellationToken.None);
            }

            cancellationToken.ThrowIfCancellationRequested();
            throw new InvalidOperationException($"Run '{batch.RunId}' of plan '{batch.Plan}': the claim on batch '{batch.BatchId}' ran out and another worker took it over.");
        }

        await CompleteAsync(claim, batch, entries, requests.Snapshot(), cancellationToken);
    }

    /// <summary>
    /// A batch delivered too often: every object it has no outcome for is recorded Failed with the last error, and the
    /// batch counts as done, so the run completes (and the next run, which finds them missing, copies them).
    /// </summary>
    public async Task HandlePoisonAsync(CopyBatchMessage<CopyWorkItem> batch, Exception? error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var run = await _runs.GetAsync(batch.Plan, batch.RunId, cancellationToken);
        if (run is null || run.IsFinished)
        {
            return;
        }

        var claim = await ClaimAsync(batch, cancellationToken);
        if (claim is null)
        {
            return;
        }

        var context = await _contexts.GetAsync(batch.Plan, batch.RunId, cancellationToken)
            ?? throw new InvalidOperationException($"Run '{batch.RunId}' of plan '{batch.Plan}' has no spec.");
        var entries = new Dictionary<string, ReportEntry>(await _outcomes.FindRecordedAsync(batch.RunId, batch.Items.Select(i => i.Source.Key), cancellationToken), StringComparer.Ordinal);
        var code = error is null ? "WorkerStopped" : "BatchFailed";
        var message = error is null
            ? "The copy batch's worker stopped on every delivery."
            : $"The copy batch failed on every delivery: {error.GetType().Name}: {error.Message}";
        var failed = batch.Items.Where(i => !entries.ContainsKey(i.Source.Key))
            .Select(item => ReportMapping.Entry(context.Context, item, ReportAction.Failed, ReportMapping.Reason(item.Reason)) with { ErrorCode = code, ErrorMessage = message })
            .ToList();
        foreach (var entry in await _outcomes.AddManyAsync(batch.RunId, failed, cancellationToken))
        {
            entries[entry.Key] = entry;
        }

        Log.Poisoned(_logger, batch.Plan, batch.RunId, batch.BatchId, batch.Items.Count);
        await CompleteAsync(claim, batch, entries, null, cancellationToken);
    }

    /// <summary>Claims the batch, waiting while another worker holds it; null when it is completed already.</summary>
    private async Task<BatchClaim?> ClaimAsync(CopyBatchMessage<CopyWorkItem> batch, CancellationToken cancellationToken)
    {
        var lease = _options.BatchLease;
        var giveUpAt = _time.GetUtcNow() + 3 * lease;
        var logged = false;
        while (true)
        {
            var (state, claim) = await _runs.TryClaimBatchAsync(batch.Plan, batch.RunId, batch.BatchId, lease, cancellationToken);
            switch (state)
            {
                case BatchClaimState.Claimed:
                    return claim;
                case BatchClaimState.Completed:
                    return null;
            }

            if (!logged)
            {
                Log.HeldElsewhere(_logger, batch.Plan, batch.RunId, batch.BatchId);
                logged = true;
            }

            if (_time.GetUtcNow() > giveUpAt)
            {
                // Its holder keeps renewing (a very long batch): leave the message for a later delivery.
                throw new TimeoutException($"Batch '{batch.BatchId}' of run '{batch.RunId}' stayed claimed by another worker for {3 * lease}.");
            }

            await Task.Delay(ClaimPollInterval(lease), _time, cancellationToken);
        }
    }

    private static TimeSpan ClaimPollInterval(TimeSpan lease) => TimeSpan.FromTicks(Math.Clamp(lease.Ticks / 10, TimeSpan.FromMilliseconds(50).Ticks, TimeSpan.FromSeconds(2).Ticks));

    /// <summary>Renews the claim every third of its lease until stopped; reports a lost claim once and stops.</summary>
    private async Task RenewAsync(BatchClaim claim, Action<BatchClaim> renewed, Action lost, CancellationToken stop)
    {
        var lease = _options.BatchLease;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(lease / 3, _time, stop);
                var next = await _runs.RenewBatchClaimAsync(claim, lease, stop);
                if (next is null)
                {
                    Log.ClaimLost(_logger, claim.Plan, claim.RunId, claim.BatchId);
                    lost();
                    return;
                }

                claim = next;
                renewed(next);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is Azure.RequestFailedException or IOException)
            {
                // A failed renewal is tried again at the next interval; the lease's length leaves room for two misses.
                Log.RenewFailed(_logger, claim.Plan, claim.RunId, claim.BatchId, ex.GetType().Name);
            }
        }
    }

    private async Task CompleteAsync(BatchClaim claim, CopyBatchMessage<CopyWorkItem> batch, IReadOnlyDictionary<string, ReportEntry> entries,
        IReadOnlyDictionary<string, long>? requests, CancellationToken cancellationToken)
    {
        var totals = new ReportTotals();
        foreach (var item in batch.Items)
        {
            totals += ReportMapping.Totals(entries[item.Source.Key]);
        }

        var updated = await _runs.CompleteBatchAsync(claim, totals, requests, cancellationToken);
        if (updated is not null && updated.Listing.Values.All(p => p.Done) && updated.BatchesCompleted == updated.BatchesEnqueued)
        {
            await _finalizer.TryFinalizeAsync(batch.Plan, batch.RunId, cancellationToken);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Run {RunId} of plan {Plan}: batch {BatchId} delivered {DequeueCount} times; {Recorded} objects recorded before, {Remaining} to do.")]
        public static partial void Redelivered(ILogger logger, string plan, string runId, string batchId, long dequeueCount, int recorded, int remaining);

        [LoggerMessage(2, LogLevel.Error, "Run {RunId} of plan {Plan}: batch {BatchId} ({Count} objects) is poison; its objects without an outcome are reported Failed.")]
        public static partial void Poisoned(ILogger logger, string plan, string runId, string batchId, int count);

        [LoggerMessage(3, LogLevel.Information, "Run {RunId} of plan {Plan}: batch {BatchId} is held by another worker; waiting for it to complete or give it up.")]
        public static partial void HeldElsewhere(ILogger logger, string plan, string runId, string batchId);

        [LoggerMessage(4, LogLevel.Warning, "Run {RunId} of plan {Plan}: the claim on batch {BatchId} ran out and another worker took it; no more copies start here.")]
        public static partial void ClaimLost(ILogger logger, string plan, string runId, string batchId);

        [LoggerMessage(5, LogLevel.Warning, "Run {RunId} of plan {Plan}: renewing the claim on batch {BatchId} failed ({ErrorType}); tried again.")]
        public static partial void RenewFailed(ILogger logger, string plan, string runId, string batchId, string errorType);

        [LoggerMessage(6, LogLevel.Information, "Run {RunId} of plan {Plan}: batch {BatchId} worked on before; {FoundCopied} of the {Checked} objects without an outcome were found copied already in the destination and not copied again.")]
        public static partial void FoundCopied(ILogger logger, string plan, string runId, string batchId, int foundCopied, int @checked);
    }
}
