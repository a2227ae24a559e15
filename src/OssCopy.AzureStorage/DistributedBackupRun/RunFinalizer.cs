using Microsoft.Extensions.Logging;
using OssCopy.Core.Backup;
using OssCopy.Core.State;

namespace OssCopy.AzureStorage.DistributedBackupRun;

/// <summary>
/// Ends a run whose listing is done and whose every enqueued batch is completed. Exactly one caller wins the
/// If-Match'ed status change to <see cref="RunStatus.Finalizing"/>; it streams the outcomes in key order into the
/// report (the CLI's JSON shape, at <c>reports/{plan}/{runId}.json</c>), saves the sync manifest (the ranges the
/// list steps recorded, minus those holding a failed or pending object) and closes the run. A finalizer that dies
/// leaves the run Finalizing with an aging heartbeat: the next start takes it over and finalizes it again.
/// </summary>
public sealed partial class RunFinalizer
{
    private readonly RunStore _runs;
    private readonly OutcomeStore _outcomes;
    private readonly RunContexts _contexts;
    private readonly BlobReportStore _reports;
    private readonly SyncManifestKeeper _manifests;
    private readonly ListStepResults _steps;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public RunFinalizer(RunStore runs, OutcomeStore outcomes, RunContexts contexts, BlobReportStore reports, SyncManifestKeeper manifests, ListStepResults steps,
        TimeProvider time, ILogger<RunFinalizer> logger)
    {
        _runs = runs ?? throw new ArgumentNullException(nameof(runs));
        _outcomes = outcomes ?? throw new ArgumentNullException(nameof(outcomes));
        _contexts = contexts ?? throw new ArgumentNullException(nameof(contexts));
        _reports = reports ?? throw new ArgumentNullException(nameof(reports));
        _manifests = manifests ?? throw new ArgumentNullException(nameof(manifests));
        _steps = steps ?? throw new ArgumentNullException(nameof(steps));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    public static bool IsReady(RunRecord run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return run.Listing.Count > 0 && run.Listing.Values.All(p => p.Done) && run.BatchesCompleted == run.BatchesEnqueued;
    }

    /// <summary>Finalizes the run if it is ready and no one else is at it; the report when this call finalized it, else null.</summary>
    public async Task<CopyReport?> TryFinalizeAsync(string plan, string runId, CancellationToken cancellationToken)
    {
        var run = await _runs.GetAsync(plan, runId, cancellationToken);
        if (run is null || run.IsFinished || run.Status == RunStatus.Finalizing || !IsReady(run))
        {
            return null;
        }

        var won = false;
        run = await _runs.UpdateAsync(plan, runId, r =>
        {
            // Decided on the record being written: if another finalizer changed it first, this write retries and loses.
            won = r.Status is RunStatus.Listing or RunStatus.Copying && IsReady(r);
            return won ? r with { Status = RunStatus.Finalizing } : r;
        }, cancellationToken);
        return won ? await FinalizeAsync(run, cancellationToken) : null;
    }

    /// <summary>Writes the report and manifest and closes the run; for a run this caller set Finalizing (or took over Finalizing).</summary>
    internal async Task<CopyReport> FinalizeAsync(RunRecord run, CancellationToken cancellationToken)
    {
        var context = await _contexts.GetAsync(run.Plan, run.RunId, cancellationToken)
            ?? throw new InvalidOperationException($"Run '{run.RunId}' of plan '{run.Plan}' has no spec.");
        var plan = context.Plan;
        var ranges = await _runs.ReadRecordedRangesAsync(run.Plan, run.RunId, cancellationToken);
        var trusted = ranges.Count(r => r.Trusted);
        var header = new CopyReport
        {
            Plan = plan.Name,
            RunId = run.RunId,
            DryRun = context.Context.DryRun,
            Status = "Running",
            Source = $"oss://{plan.Source.Bucket}/{plan.Source.Prefix}",
            Destination = $"oss://{plan.Destination.Bucket}/{plan.Destination.Prefix}",
            Verification = context.Context.Verification,
            StartedAt = run.StartedAt,
            Totals = new ReportTotals(),
        };

        var failures = new List<ReportEntry>();
        var pending = new List<ReportEntry>();
        await using var sink = _reports.CreateSink(plan.Name, run.RunId);
        await sink.StartAsync(header, cancellationToken);
        await foreach (var entry in _outcomes.ReadInKeyOrderAsync(run.RunId, cancellationToken))
        {
            await sink.WriteAsync(entry, cancellationToken);
            if (entry.Action is ReportAction.Failed or ReportAction.SourceChanged && failures.Count < CopyReport.MaxFailuresKept)
            {
                failures.Add(entry);
            }
            else if (entry.Action is ReportAction.Restoring or ReportAction.Skipped && pending.Count < CopyReport.MaxFailuresKept)
            {
                pending.Add(entry);
            }
        }

        var finishedAt = _time.GetUtcNow();
        var report = header with
        {
            Status = "Completed",
            FinishedAt = finishedAt,
            DurationSeconds = Math.Round((finishedAt - run.StartedAt).TotalSeconds, 3),
            Totals = run.Totals,
            Requests = run.Requests,
            RangesTrusted = trusted,
            RangesCompared = ranges.Count - trusted,
            FullReconcile = trusted == 0,
            Failures = failures,
            Pending = pending,
        };

        if (!context.Context.DryRun)
        {
            try
            {
                await _manifests.SaveAsync(plan, new LoadedSyncManifest(null, context.Spec.Manifest, []), [.. ranges.Select(r => r.Range)],
                    [.. failures, .. pending], report.FullReconcile, run.StartedAt, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // As in process: the copies are done and reported; without a new manifest the next run only lists more.
                Log.ManifestNotSaved(_logger, plan.Name, run.RunId, ex.GetType().Name);
            }
        }

        await sink.CompleteAsync(report, cancellationToken);
        try
        {
            await _steps.ForgetRunAsync(run.Plan, run.RunId, cancellationToken);
        }
        catch (Azure.RequestFailedException ex)
        {
            // The listing is done and the report written: the steps' results left behind only take space (logged, not fatal).
            Log.StepResultsNotRemoved(_logger, plan.Name, run.RunId, ex.ErrorCode ?? ex.Status.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        await _runs.FinishAsync(run.Plan, run.RunId, RunStatus.Completed, null, cancellationToken);
        Log.Finalized(_logger, plan.Name, run.RunId, report.Totals.Copied, report.Totals.Unchanged, report.Totals.Failed, report.Totals.Listed);
        return report;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Run {RunId} of plan {Plan} completed: {Copied} copied, {Unchanged} unchanged, {Failed} failed of {Listed} listed.")]
        public static partial void Finalized(ILogger logger, string plan, string runId, long copied, long unchanged, long failed, long listed);

        [LoggerMessage(2, LogLevel.Warning, "Run {RunId} of plan {Plan}: the sync manifest was not saved ({ErrorType}); the next run lists the destination again.")]
        public static partial void ManifestNotSaved(ILogger logger, string plan, string runId, string errorType);

        [LoggerMessage(3, LogLevel.Warning, "Run {RunId} of plan {Plan}: its list steps' kept results were not removed ({ErrorCode}).")]
        public static partial void StepResultsNotRemoved(ILogger logger, string plan, string runId, string errorCode);
    }
}
