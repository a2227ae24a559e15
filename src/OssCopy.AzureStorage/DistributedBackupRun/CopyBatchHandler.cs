using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using OssCopy.Core.Backup;

namespace OssCopy.AzureStorage.DistributedBackupRun;

/// <summary>
/// Handles one copy batch: every object the run has no outcome for yet goes through <see cref="PlanObjectCopier"/>
/// (decide, copy, verify, lineage; a failure is a report line, never an exception), paced by the worker's
/// <see cref="AdaptiveConcurrencyLimiter"/>; each line is recorded once (<see cref="OutcomeStore.TryAddAsync"/>),
/// and the batch's totals are counted once (<see cref="RunStore.CompleteBatchAsync"/>). Cancelled, it starts no more
/// copies, lets those under way finish and record their lines, and throws: the message is not deleted, reappears,
/// and the next delivery copies only the rest.
/// </summary>
public sealed partial class CopyBatchHandler
{
    private readonly RunStore _runs;
    private readonly OutcomeStore _outcomes;
    private readonly RunContexts _contexts;
    private readonly PlanObjectCopier _copier;
    private readonly RunFinalizer _finalizer;
    private readonly ILogger _logger;

    public CopyBatchHandler(RunStore runs, OutcomeStore outcomes, RunContexts contexts, PlanObjectCopier copier, RunFinalizer finalizer, ILogger<CopyBatchHandler> logger)
    {
        _runs = runs ?? throw new ArgumentNullException(nameof(runs));
        _outcomes = outcomes ?? throw new ArgumentNullException(nameof(outcomes));
        _contexts = contexts ?? throw new ArgumentNullException(nameof(contexts));
        _copier = copier ?? throw new ArgumentNullException(nameof(copier));
        _finalizer = finalizer ?? throw new ArgumentNullException(nameof(finalizer));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>Handles one delivery of a copy batch (a Functions queue trigger calls this with the message and its dequeue count).</summary>
    public async Task HandleAsync(CopyBatchMessage<CopyWorkItem> batch, long dequeueCount, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var run = await _runs.GetAsync(batch.Plan, batch.RunId, cancellationToken);
        if (run is null || run.IsFinished || await _runs.IsBatchCompletedAsync(batch.Plan, batch.RunId, batch.BatchId, cancellationToken))
        {
            return;
        }

        var context = await _contexts.GetAsync(batch.Plan, batch.RunId, cancellationToken)
            ?? throw new InvalidOperationException($"Run '{batch.RunId}' of plan '{batch.Plan}' has no spec.");
        var entries = new ConcurrentDictionary<string, ReportEntry>(await _outcomes.FindRecordedAsync(batch.RunId, batch.Items.Select(i => i.Source.Key), cancellationToken), StringComparer.Ordinal);
        var todo = batch.Items.Where(i => !entries.ContainsKey(i.Source.Key)).ToList();
        if (dequeueCount > 1)
        {
            Log.Redelivered(_logger, batch.Plan, batch.RunId, batch.BatchId, dequeueCount, batch.Items.Count - todo.Count, todo.Count);
        }

        // Copies under way are not cancelled: one that finished on the server but not here would be copied again.
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, context.Context.Limiter?.Limit ?? 1) * 2 };
        await Parallel.ForEachAsync(todo, parallel, async (item, _) =>
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            var entry = await _copier.CopyAsync(context.Context, item, CancellationToken.None);
            await _outcomes.TryAddAsync(batch.RunId, entry, CancellationToken.None);
            entries[item.Source.Key] = entry;
        });
        cancellationToken.ThrowIfCancellationRequested();

        await CompleteAsync(batch, entries, cancellationToken);
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

        var context = await _contexts.GetAsync(batch.Plan, batch.RunId, cancellationToken)
            ?? throw new InvalidOperationException($"Run '{batch.RunId}' of plan '{batch.Plan}' has no spec.");
        var entries = new Dictionary<string, ReportEntry>(await _outcomes.FindRecordedAsync(batch.RunId, batch.Items.Select(i => i.Source.Key), cancellationToken), StringComparer.Ordinal);
        var code = error is null ? "WorkerStopped" : "BatchFailed";
        var message = error is null
            ? "The copy batch's worker stopped on every delivery."
            : $"The copy batch failed on every delivery: {error.GetType().Name}: {error.Message}";
        foreach (var item in batch.Items.Where(i => !entries.ContainsKey(i.Source.Key)))
        {
            var failed = ReportMapping.Entry(context.Context, item, ReportAction.Failed, ReportMapping.Reason(item.Reason)) with { ErrorCode = code, ErrorMessage = message };
            await _outcomes.TryAddAsync(batch.RunId, failed, cancellationToken);
            entries[item.Source.Key] = (await _outcomes.FindAsync(batch.RunId, item.Source.Key, cancellationToken)) ?? failed;
        }

        Log.Poisoned(_logger, batch.Plan, batch.RunId, batch.BatchId, batch.Items.Count);
        await CompleteAsync(batch, entries, cancellationToken);
    }

    private async Task CompleteAsync(CopyBatchMessage<CopyWorkItem> batch, IReadOnlyDictionary<string, ReportEntry> entries, CancellationToken cancellationToken)
    {
        var totals = new ReportTotals();
        foreach (var item in batch.Items)
        {
            totals += ReportMapping.Totals(entries[item.Source.Key]);
        }

        var updated = await _runs.CompleteBatchAsync(batch.Plan, batch.RunId, batch.BatchId, totals, cancellationToken);
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
    }
}
