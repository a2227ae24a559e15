using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OssCopy.Core.Backup;
using OssCopy.Core.State;
using OssCopy.Oss.Http;

namespace OssCopy.AzureStorage.DistributedBackupRun;

/// <summary>What a distributed run is started with (the in-process run's choices that apply to it).</summary>
public sealed record DistributedRunOptions
{
    /// <summary>Overrides the plan's and the runner's verification level.</summary>
    public Core.Copying.CopyVerification? Verification { get; init; }

    /// <summary>List the destination everywhere, trusting no range of the sync manifest.</summary>
    public bool FullReconcile { get; init; }

    /// <summary>Plan the run and report what it would copy; copies nothing and leaves the sync manifest as it is.</summary>
    public bool DryRun { get; init; }

    /// <summary>
    /// Key ranges listed in parallel (1: the whole plan, one list step at a time). More ranges spread concurrent copies
    /// over the key space and let several workers list at once.
    /// </summary>
    public int KeyRanges { get; init; } = 1;

    /// <summary>How the key ranges' boundaries are found.</summary>
    public KeyRangeSplitting SplitBy { get; init; } = KeyRangeSplitting.Auto;
}

/// <summary>
/// Starts a distributed run of a plan: at most one active run per plan (<see cref="RunStore.StartAsync"/>); writes
/// the run's spec (the plan and the sync manifest ranges it may trust), withdraws the stored manifest (as the
/// in-process run does before its first copy: any list step may enqueue a copy, so the start withdraws it all), and
/// sends the first list step. A start that finds the active run stale takes it over and resumes it: the list steps
/// of unfinished ranges are sent again from their recorded positions (a step behind is a no-op), and a run whose
/// batches are all done is finalized. A live run is left alone.
/// </summary>
public sealed partial class DistributedRunStarter
{
    /// <summary>The one key range this starter splits a plan into (the whole plan).</summary>
    public const string WholeRange = "all";

    private readonly RunStore _runs;
    private readonly OutcomeStore _outcomes;
    private readonly RunSpecStore _specs;
    private readonly BlobReportStore _reports;
    private readonly BlobCopyStateStore _state;
    private readonly SyncManifestKeeper _manifests;
    private readonly QueueTransport _listQueue;
    private readonly QueueTransport _copyQueue;
    private readonly RunFinalizer _finalizer;
    private readonly KeyRangeSplitter _splitter;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public DistributedRunStarter(
        RunStore runs,
        OutcomeStore outcomes,
        RunSpecStore specs,
        BlobReportStore reports,
        BlobCopyStateStore state,
        SyncManifestKeeper manifests,
        [FromKeyedServices(StorageQueues.List)] QueueTransport listQueue,
        [FromKeyedServices(StorageQueues.Copy)] QueueTransport copyQueue,
        RunFinalizer finalizer,
        KeyRangeSplitter splitter,
        TimeProvider time,
        ILogger<DistributedRunStarter> logger)
    {
        _runs = runs ?? throw new ArgumentNullException(nameof(runs));
        _outcomes = outcomes ?? throw new ArgumentNullException(nameof(outcomes));
        _specs = specs ?? throw new ArgumentNullException(nameof(specs));
        _reports = reports ?? throw new ArgumentNullException(nameof(reports));
        _state = state ?? throw new ArgumentNullException(nameof(state));
        _manifests = manifests ?? throw new ArgumentNullException(nameof(manifests));
        _listQueue = listQueue ?? throw new ArgumentNullException(nameof(listQueue));
        _copyQueue = copyQueue ?? throw new ArgumentNullException(nameof(copyQueue));
        _finalizer = finalizer ?? throw new ArgumentNullException(nameof(finalizer));
        _splitter = splitter ?? throw new ArgumentNullException(nameof(splitter));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>Creates the run's tables, queues and containers when missing (idempotent; a host calls it once at start).</summary>
    public async Task EnsureStorageAsync(CancellationToken cancellationToken)
    {
        await Task.WhenAll(
            _runs.CreateIfNotExistsAsync(cancellationToken),
            _outcomes.CreateIfNotExistsAsync(cancellationToken),
            _specs.CreateIfNotExistsAsync(cancellationToken),
            _reports.CreateIfNotExistsAsync(cancellationToken),
            _listQueue.CreateIfNotExistsAsync(cancellationToken),
            _copyQueue.CreateIfNotExistsAsync(cancellationToken));
        await _state.CreateIfNotExistsAsync(cancellationToken);
    }

    public async Task<RunStart> StartAsync(BackupPlan plan, DistributedRunOptions? options, CancellationToken cancellationToken)
    {
        BackupPlanLoader.ThrowIfInvalid(plan);
        options ??= new DistributedRunOptions();
        if (options.KeyRanges is < 1 or > KeyRangeSplitter.MaxRanges)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.KeyRanges, $"A run lists 1–{KeyRangeSplitter.MaxRanges} key ranges.");
        }

        await EnsureStorageAsync(cancellationToken);
        var start = await _runs.StartAsync(plan.Name, SyncManifestKeeper.Fingerprint(plan), cancellationToken);
        switch (start.Outcome)
        {
            case RunStartOutcome.AlreadyActive:
                Log.AlreadyActive(_logger, plan.Name, start.Run.RunId);
                return start;
            case RunStartOutcome.TookOver:
                Log.TookOver(_logger, plan.Name, start.Run.RunId, start.Run.Status.ToString());
                return new RunStart(RunStartOutcome.TookOver, await ResumeAsync(plan, options, start.Run, cancellationToken));
            default:
                Log.Started(_logger, plan.Name, start.Run.RunId);
                return new RunStart(RunStartOutcome.Started, await BeginAsync(plan, options, start.Run, cancellationToken));
        }
    }

    private async Task<RunRecord> BeginAsync(BackupPlan plan, DistributedRunOptions options, RunRecord run, CancellationToken cancellationToken)
    {
        var loaded = await _manifests.LoadAsync(plan, options.FullReconcile, run.StartedAt, cancellationToken);
        await _specs.SaveAsync(plan.Name, run.RunId, new RunSpec
        {
            PlanJson = RunSpec.PlanToJson(plan),
            Verification = options.Verification,
            FullReconcile = options.FullReconcile,
            DryRun = options.DryRun,
            StartedAt = run.StartedAt,
            Trusted = loaded.Trusted,
            Manifest = loaded.Manifest,
        }, cancellationToken);

        // Withdrawn from the first key on: the spec holds the ranges this run trusts; a run stopped half-way leaves none.
        // A dry run copies nothing, so the manifest stays true.
        if (!options.DryRun)
        {
            await _manifests.WithdrawFromAsync(plan, loaded, string.Empty, cancellationToken);
        }

        var requests = new OssRequestCounter();
        IReadOnlyList<KeyRange> ranges;
        using (requests.Attach())
        {
            ranges = await _splitter.SplitAsync(plan, options.KeyRanges, options.SplitBy, loaded.Manifest?.Ranges ?? [], cancellationToken);
        }

        var listing = ranges.ToDictionary(r => r.Id, r => new ListingPosition(r.After, false) { Last = r.Last }, StringComparer.Ordinal);
        var splitting = requests.Snapshot();
        run = await _runs.UpdateAsync(plan.Name, run.RunId, r => r with { Listing = listing, Requests = RunRecord.AddRequests(r.Requests, splitting) }, cancellationToken);
        await Task.WhenAll(ranges.Select(r => _listQueue.SendAsync(new ListStepMessage(plan.Name, run.RunId, r.Id, r.After, r.Last), null, cancellationToken)));
        return run;
    }

    private async Task<RunRecord> ResumeAsync(BackupPlan plan, DistributedRunOptions options, RunRecord run, CancellationToken cancellationToken)
    {
        if (run.Listing.Count == 0 || await _specs.LoadAsync(plan.Name, run.RunId, cancellationToken) is null)
        {
            // The first start stopped before its first list step: begin again under the same run id.
            return await BeginAsync(plan, options, run, cancellationToken);
        }

        if (run.Status == RunStatus.Finalizing)
        {
            // Its finalizer stopped: the outcomes are all recorded, so finalizing again writes the same report.
            await _finalizer.FinalizeAsync(run, cancellationToken);
            return await _runs.GetAsync(plan.Name, run.RunId, cancellationToken) ?? run;
        }

        foreach (var (rangeId, position) in run.Listing)
        {
            if (!position.Done)
            {
                await _listQueue.SendAsync(new ListStepMessage(plan.Name, run.RunId, rangeId, position.After, position.Last), null, cancellationToken);
            }
        }

        // Copy batches still queued are delivered again as they are; a run with nothing left is finalized.
        await _finalizer.TryFinalizeAsync(plan.Name, run.RunId, cancellationToken);
        return await _runs.GetAsync(plan.Name, run.RunId, cancellationToken) ?? run;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Started run {RunId} of plan {Plan}.")]
        public static partial void Started(ILogger logger, string plan, string runId);

        [LoggerMessage(2, LogLevel.Warning, "Run {RunId} of plan {Plan} ({Status}) had a stale heartbeat: taken over and resumed.")]
        public static partial void TookOver(ILogger logger, string plan, string runId, string status);

        [LoggerMessage(3, LogLevel.Information, "Plan {Plan} has an active run {RunId}; nothing started.")]
        public static partial void AlreadyActive(ILogger logger, string plan, string runId);
    }
}
