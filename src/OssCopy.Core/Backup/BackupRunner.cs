using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OssCopy.Core.Copying;
using OssCopy.Core.Internal;
using OssCopy.Core.State;
using OssCopy.Oss;
using OssCopy.Oss.Http;
using OssCopy.Oss.Models;

namespace OssCopy.Core.Backup;

/// <summary>
/// Runs a <see cref="BackupPlan"/> in process: lists source and destination as two sorted streams and merge-joins
/// them (<see cref="SyncRangeDiff"/>), decides each object (<see cref="PlanCopyContext.Decide"/>), hands what is
/// missing or different to the <see cref="PlanObjectCopier"/> with bounded, adaptive parallelism, never deletes in the
/// destination, checkpoints its position (<see cref="CheckpointKeeper"/>) so a stopped run resumes, keeps the sync
/// manifest (<see cref="SyncManifestKeeper"/>), and accounts for every source object in a <see cref="CopyReport"/>.
/// One failing object never stops the plan. A queue-driven run shares every decision and differs only in transport
/// and state: it diffs one <see cref="ListingWindow"/> per message and copies one <see cref="CopyWorkItem"/> per message.
/// </summary>
public sealed class BackupRunner
{
    private readonly IOssClient _client;
    private readonly PlanObjectCopier _copier;
    private readonly BackupRunnerOptions _options;
    private readonly CheckpointKeeper _checkpoints;
    private readonly SyncManifestKeeper _manifests;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ThrottleSignal? _throttleSignal;

    /// <summary>
    /// A runner over the registered client and per-object copier (whose state store keeps checkpoints, lineage and
    /// the sync manifest). Register both with <c>AddOssCopy</c>/<c>AddOssCopyEngine</c> rather than building them;
    /// the client should count its requests (<c>AddOssRequestCounting</c>) for the report's request counts.
    /// </summary>
    public BackupRunner(
        IOssClient client,
        PlanObjectCopier copier,
        IOptions<BackupRunnerOptions> options,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null,
        ThrottleSignal? throttleSignal = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _copier = copier ?? throw new ArgumentNullException(nameof(copier));
        _options = options.Value;
        _options.ThrowIfInvalid();
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<BackupRunner>();
        _time = timeProvider ?? TimeProvider.System;
        _throttleSignal = throttleSignal;
        _checkpoints = new CheckpointKeeper(copier.Store, _time);
        _manifests = new SyncManifestKeeper(copier.Store, _options, _time);
    }

    /// <summary>
    /// Runs the plan. Throws <see cref="CopyValidationException"/> for a plan that cannot run (before any request),
    /// <see cref="OssException"/> when a listing fails (the plan as a whole cannot go on), and
    /// <see cref="OperationCanceledException"/> after saving the checkpoint and the report when cancelled.
    /// </summary>
    public async Task<CopyReport> RunAsync(BackupPlan plan, BackupRunOptions? run = null, CancellationToken cancellationToken = default)
    {
        BackupPlanLoader.ThrowIfInvalid(plan);
        run ??= new BackupRunOptions();

        // Every request this run makes, from this flow and the tasks it starts, counts for its report.
        var requests = new OssRequestCounter();
        using var counting = requests.Attach();
        var state = await StartAsync(plan, run, requests, cancellationToken);
        using var window = state.Window;
        var report = run.Report;
        await (report?.StartAsync(state.Header(), cancellationToken) ?? ValueTask.CompletedTask);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Action onThrottle = state.Limiter.ReportThrottle;
        if (_throttleSignal is not null)
        {
            _throttleSignal.Throttled += onThrottle;
        }

        var queue = new WorkQueue<WorkItem>(state.Parallelism * 2);
        var workers = Enumerable.Range(0, state.Parallelism).Select(_ => WorkerAsync(state, queue, stop)).ToList();
        var checkpoints = run.DryRun ? Task.CompletedTask : CheckpointLoopAsync(state, stop.Token);
        Exception? failure = null;
        try
        {
            await ProduceAsync(state, queue, stop.Token);
            await Task.WhenAll(workers);
        }
        catch (Exception ex)
        {
            // Whatever stopped the run, the checkpoint and the report below still get written; the error is rethrown after.
            failure = ex is AggregateException { InnerExceptions.Count: 1 } single ? single.InnerExceptions[0] : ex;
            await stop.CancelAsync();
            queue.Complete();
            await Task.WhenAll(workers.Select(w => w.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default)));

            // A worker's own error explains the stop better than the cancellation it caused.
            failure = workers.FirstOrDefault(w => w.IsFaulted)?.Exception?.InnerException ?? failure;
        }
        finally
        {
            if (_throttleSignal is not null)
            {
                _throttleSignal.Throttled -= onThrottle;
            }

            await stop.CancelAsync();
            await checkpoints.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }

        var completed = failure is null;
        if (!run.DryRun)
        {
            // Cancellation must not cancel the bookkeeping that makes the next run resume instead of starting over.
            if (completed)
            {
                await _checkpoints.DeleteAsync(plan, CancellationToken.None);
            }
            else
            {
                await SaveCheckpointAsync(state, CancellationToken.None);
            }
        }

        var status = completed ? "Completed" : failure is OperationCanceledException && cancellationToken.IsCancellationRequested ? "Cancelled" : "Failed";
        var final = state.Report(status, _time.GetUtcNow());
        final = final with
        {
            RangesTrusted = state.Ranges?.TrustedRanges ?? 0,
            RangesCompared = state.Ranges?.ComparedRanges ?? 0,
            FullReconcile = completed && state.Checkpoint is null && state.Ranges?.TrustedRanges == 0,
        };
        if (completed && !run.DryRun && state.Ranges is { } ranges)
        {
            try
            {
                await _manifests.SaveAsync(plan, state.Manifest, ranges.Recorded, [.. final.Failures, .. final.Pending], final.FullReconcile, state.StartedAt, CancellationToken.None);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The copies are done and reported; without a new manifest the next run only lists more. Any store's
                // failure (a read-only folder, a table service's error) is a warning, not a failed run.
                CoreLog.SyncManifestNotSaved(_logger, plan.Name, $"{ex.GetType().Name}: {ex.Message}");
            }
        }

        await (report?.CompleteAsync(final, CancellationToken.None) ?? ValueTask.CompletedTask);
        OssCopyMetrics.RunDurationHistogram.Record(final.DurationSeconds,
            new KeyValuePair<string, object?>(OssCopyMetrics.StatusTag, status), new KeyValuePair<string, object?>(OssCopyMetrics.PlanTag, plan.Name));
        CoreLog.BackupFinished(_logger, plan.Name, final.Totals.Copied, final.Totals.Unchanged, final.Totals.Failed, final.Totals.Listed,
            (long)(final.DurationSeconds * 1000), run.DryRun);
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        }

        return final;
    }

    private async Task<RunState> StartAsync(BackupPlan plan, BackupRunOptions run, OssRequestCounter requests, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var checkpoint = await _checkpoints.LoadAsync(plan, run, cancellationToken);
        if (checkpoint?.AfterSourceKey is { } after)
        {
            CoreLog.Resuming(_logger, plan.Name, after);
        }

        var parallelism = run.Parallelism ?? plan.Options?.Parallelism ?? _options.MaxParallelism;
        var limiter = new AdaptiveConcurrencyLimiter(parallelism, Math.Min(_options.MinParallelism, parallelism), _options.InitialParallelism, _time)
        {
            SlowStart = true,
            DecreaseFactor = _options.ConcurrencyDecreaseFactor,
            RoundsPerIncreaseAfterThrottle = _options.ConcurrencyRecoveryRounds,
        };
        var progress = run.Progress ?? new BackupProgress();
        progress.SetConcurrency(limiter.Limit);
        limiter.LimitChanged += (old, @new) =>
        {
            progress.SetConcurrency(@new);
            if (@new < old)
            {
                CoreLog.ConcurrencyLowered(_logger, "throttled", old, @new);
            }
            else
            {
                CoreLog.ConcurrencyRaised(_logger, old, @new);
            }
        };

        var manifest = await _manifests.LoadAsync(plan, run.FullReconcile, now, cancellationToken);
        var startedAt = checkpoint?.StartedAt ?? now;
        return new RunState
        {
            Plan = plan,
            Run = run,
            RunId = checkpoint?.RunId ?? Guid.NewGuid().ToString("N"),
            Manifest = manifest,
            StartedAt = now,
            OriginalStart = startedAt,
            Stopwatch = Stopwatch.StartNew(),
            Requests = requests,
            Context = PlanCopyContext.ForRun(plan, run, _options, startedAt, limiter),
            Limiter = limiter,
            Progress = progress,
            Parallelism = parallelism,
            Checkpoint = checkpoint,
            Window = new RunWindow(_options.MaxWindow, checkpoint?.AfterSourceKey, new ReportTotals()),
        };
    }

    private async Task ProduceAsync(RunState state, WorkQueue<WorkItem> queue, CancellationToken cancellationToken)
    {
        var plan = state.Plan;
        var after = state.Checkpoint?.AfterSourceKey;
        var source = ListingDiff.ObjectsAsync(_client.ListObjectsV2PagesAsync(new ListObjectsV2Request
        {
            Bucket = plan.Source.Bucket, Prefix = NullIfEmpty(plan.Source.Prefix), StartAfter = after is null ? null : plan.Source.Prefix + after,
            MaxKeys = _options.ListPageSize,
        }, cancellationToken), cancellationToken);

        // The destination is listed only where a key range needs it, starting at that range.
        var destination = new DestinationCursor(startAfter => _client.ListObjectsV2PagesAsync(new ListObjectsV2Request
        {
            Bucket = plan.Destination.Bucket, Prefix = NullIfEmpty(plan.Destination.Prefix), StartAfter = startAfter, MaxKeys = _options.ListPageSize,
        }, cancellationToken), plan.Destination.Prefix);
        state.Ranges = new SyncRangeDiff(source, plan.Source.Prefix, destination, state.Manifest.Trusted, after, _options.ListPageSize);

        try
        {
            await foreach (var entry in state.Ranges.JoinAsync(cancellationToken))
            {
                var decision = state.Context.Decide(entry);
                if (decision.Kind == ListedDecisionKind.ExtraInDestination)
                {
                    state.AddExtra();
                    continue;
                }

                state.Progress.OnListed();
                var slot = await state.Window.EmitAsync(entry.RelativeKey, cancellationToken);
                switch (decision.Kind)
                {
                    case ListedDecisionKind.Excluded:
                        Finish(state, slot, null, ExcludedOne, decision.Size, queued: false);
                        break;
                    case ListedDecisionKind.Unchanged:
                        var unchanged = decision.Unchanged!;
                        await WriteAsync(state, unchanged, cancellationToken);
                        Finish(state, slot, unchanged, ReportMapping.Totals(unchanged), decision.Size, queued: false);
                        break;
                    default:
                        if (!state.Run.DryRun)
                        {
                            await _manifests.WithdrawFromAsync(plan, state.Manifest, entry.RelativeKey, cancellationToken);
                        }

                        state.Progress.OnQueued(decision.Size);
                        await queue.WriteAsync(new WorkItem(slot, decision.Work!), cancellationToken);
                        break;
                }
            }

            state.Progress.OnListingComplete();
        }
        finally
        {
            queue.Complete();
        }
    }

    private static readonly ReportTotals ExcludedOne = new() { Listed = 1, Excluded = 1 };

    private async Task WorkerAsync(RunState state, WorkQueue<WorkItem> queue, CancellationTokenSource stop)
    {
        var cancellationToken = stop.Token;
        try
        {
            await foreach (var item in queue.ReadAllAsync(cancellationToken))
            {
                var entry = await _copier.CopyAsync(state.Context, item.Work, cancellationToken);
                await WriteAsync(state, entry, cancellationToken);
                Finish(state, item.Slot, entry, ReportMapping.Totals(entry), entry.Size, queued: true);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A worker that cannot go on (the state store's disk is full, say) stops the run rather than leaving the
            // listing blocked on a queue nobody reads.
            await stop.CancelAsync();
            throw;
        }
    }

    private static void Finish(RunState state, RunWindow.Slot slot, ReportEntry? entry, ReportTotals delta, long size, bool queued)
    {
        state.Add(delta, entry);
        state.Window.Complete(slot, delta);
        state.Progress.OnFinished(entry?.Action, size, queued);
    }

    private static ValueTask WriteAsync(RunState state, ReportEntry entry, CancellationToken cancellationToken) =>
        state.Run.Report?.WriteAsync(entry, cancellationToken) ?? ValueTask.CompletedTask;

    private async Task CheckpointLoopAsync(RunState state, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.CheckpointInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                await SaveCheckpointAsync(state, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run ended; the final checkpoint is written (or deleted) by the run itself.
        }
    }

    private Task SaveCheckpointAsync(RunState state, CancellationToken cancellationToken)
    {
        var (watermark, committed) = state.Window.Snapshot();
        if (watermark is null)
        {
            return Task.CompletedTask;
        }

        var previous = state.Checkpoint?.Totals ?? new ReportTotals();
        return _checkpoints.SaveAsync(state.Plan, state.RunId, watermark, state.OriginalStart, previous + committed, cancellationToken);
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    // A class on purpose: a struct would spare 40 bytes per object but give the channel a value-type instantiation of
    // its own, code the JIT compiles (three times over, with tiered PGO) instead of sharing the reference-type one.
    private sealed record WorkItem(RunWindow.Slot Slot, CopyWorkItem Work);

    /// <summary>Everything one run shares between its producer and workers.</summary>
    private sealed class RunState
    {
        private readonly object _gate = new();
        private readonly List<ReportEntry> _failures = [];
        private readonly List<ReportEntry> _pending = [];

        // Added to in place under the lock: adding records made a new ReportTotals per object.
        private readonly TotalsAccumulator _totals = new();

        public required BackupPlan Plan { get; init; }

        public required BackupRunOptions Run { get; init; }

        public required string RunId { get; init; }

        public required DateTimeOffset StartedAt { get; init; }

        public required DateTimeOffset OriginalStart { get; init; }

        public required Stopwatch Stopwatch { get; init; }

        public required OssRequestCounter Requests { get; init; }

        /// <summary>What every per-object decision of this run shares (the plan, its verification, the limiter, the tag date).</summary>
        public required PlanCopyContext Context { get; init; }

        public required AdaptiveConcurrencyLimiter Limiter { get; init; }

        public required BackupProgress Progress { get; init; }

        public required int Parallelism { get; init; }

        public required BackupCheckpoint? Checkpoint { get; init; }

        /// <summary>The plan's sync manifest as this run found it, and the ranges it may trust.</summary>
        public required LoadedSyncManifest Manifest { get; init; }

        /// <summary>The range-by-range join, once the listing started: its counts and the ranges to record.</summary>
        public SyncRangeDiff? Ranges { get; set; }

        public required RunWindow Window { get; init; }

        public void Add(ReportTotals delta, ReportEntry? entry)
        {
            lock (_gate)
            {
                _totals.Add(delta);
                if (entry is { Action: ReportAction.Failed or ReportAction.SourceChanged } && _failures.Count < CopyReport.MaxFailuresKept)
                {
                    _failures.Add(entry);
                }
                else if (entry is { Action: ReportAction.Restoring or ReportAction.Skipped } && _pending.Count < CopyReport.MaxFailuresKept)
                {
                    _pending.Add(entry);
                }
            }
        }

        public void AddExtra()
        {
            lock (_gate)
            {
                _totals.Add(ExtraOne);
            }
        }

        private static readonly ReportTotals ExtraOne = new() { ExtraInDestination = 1 };

        public CopyReport Header() => new()
        {
            Plan = Plan.Name,
            RunId = RunId,
            DryRun = Run.DryRun,
            Status = "Running",
            Source = $"oss://{Plan.Source.Bucket}/{Plan.Source.Prefix}",
            Destination = $"oss://{Plan.Destination.Bucket}/{Plan.Destination.Prefix}",
            Verification = Context.Verification,
            StartedAt = StartedAt,
            ResumedAfter = Checkpoint?.AfterSourceKey,
            Totals = new ReportTotals(),
        };

        public CopyReport Report(string status, DateTimeOffset finishedAt)
        {
            lock (_gate)
            {
                var previous = Checkpoint?.Totals;
                var totals = _totals.ToTotals();
                return Header() with
                {
                    Status = status,
                    FinishedAt = finishedAt,
                    DurationSeconds = Math.Round(Stopwatch.Elapsed.TotalSeconds, 3),
                    Totals = previous is null ? totals : previous + totals,
                    PreviousTotals = previous,
                    Requests = Requests.Snapshot(),
                    FinalConcurrency = Limiter.Limit,
                    ConcurrencyDecreases = Limiter.Decreases,
                    LowestConcurrency = Limiter.Lowest,
                    Failures = _failures.ToList(),
                    Pending = _pending.ToList(),
                };
            }
        }
    }
}
