using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OssCopy.Core.Backup;
using OssCopy.Oss.Http;

namespace OssCopy.AzureStorage.DistributedBackupRun;

/// <summary>
/// Handles one list step: diffs ONE listing window (<see cref="ListingWindowDiff"/>: a page after the step's cursor,
/// or a range the previous run recorded in sync; every delivery of a step goes on with the diff its first delivery
/// kept, <see cref="ListStepResults"/>), records its unchanged objects as outcomes, packs its work into
/// copy batches whose ids derive from the step (a redelivered step re-sends the same ids), sends them, then moves
/// the range's listing position, adds the window's totals and records its sync ranges in one transaction, and sends
/// the next step (or, for the last window, checks whether the run can be finalized). A step whose cursor is behind
/// the recorded position was done before: it changes nothing.
/// </summary>
public sealed partial class ListStepHandler
{
    private readonly RunStore _runs;
    private readonly OutcomeStore _outcomes;
    private readonly RunContexts _contexts;
    private readonly ListingWindowDiff _diff;
    private readonly ListStepResults _results;
    private readonly QueueTransport _listQueue;
    private readonly QueueTransport _copyQueue;
    private readonly RunFinalizer _finalizer;
    private readonly AzureStorageOptions _options;
    private readonly ILogger _logger;

    public ListStepHandler(
        RunStore runs,
        OutcomeStore outcomes,
        RunContexts contexts,
        ListingWindowDiff diff,
        ListStepResults results,
        [FromKeyedServices(StorageQueues.List)] QueueTransport listQueue,
        [FromKeyedServices(StorageQueues.Copy)] QueueTransport copyQueue,
        RunFinalizer finalizer,
        IOptions<AzureStorageOptions> options,
        ILogger<ListStepHandler> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _runs = runs ?? throw new ArgumentNullException(nameof(runs));
        _outcomes = outcomes ?? throw new ArgumentNullException(nameof(outcomes));
        _contexts = contexts ?? throw new ArgumentNullException(nameof(contexts));
        _diff = diff ?? throw new ArgumentNullException(nameof(diff));
        _results = results ?? throw new ArgumentNullException(nameof(results));
        _listQueue = listQueue ?? throw new ArgumentNullException(nameof(listQueue));
        _copyQueue = copyQueue ?? throw new ArgumentNullException(nameof(copyQueue));
        _finalizer = finalizer ?? throw new ArgumentNullException(nameof(finalizer));
        _options = options.Value;
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>Handles one delivery of a list step (a Functions queue trigger calls this with the message and its dequeue count).</summary>
    public async Task HandleAsync(ListStepMessage step, long dequeueCount, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(step);
        var run = await _runs.GetAsync(step.Plan, step.RunId, cancellationToken);
        if (run is null || run.IsFinished || run.Status == RunStatus.Finalizing)
        {
            return;
        }

        if (!run.Listing.TryGetValue(step.RangeId, out var position))
        {
            throw new InvalidDataException($"Run '{step.RunId}' of plan '{step.Plan}' has no key range '{step.RangeId}'.");
        }

        if (position.Done || position.After != step.After)
        {
            // Done before. If an earlier delivery moved the position but stopped before sending the next step, a
            // redelivery sends it (a duplicate step at the same position is harmless: only one moves the position).
            if (dequeueCount > 1)
            {
                await ContinueAsync(run, step.RangeId, position, cancellationToken);
            }

            return;
        }

        var context = await _contexts.GetAsync(step.Plan, step.RunId, cancellationToken)
            ?? throw new InvalidOperationException($"Run '{step.RunId}' of plan '{step.Plan}' has no spec yet; the step is tried again.");
        var requests = new OssRequestCounter();
        using var counting = requests.Attach();
        var window = Window(context.Spec, step.After, position.Last);
        var stepId = StepId(step);
        // Every delivery of a step sends what its first diff found (see ListStepResults); a redelivery reads it first
        // and lists nothing, two deliveries at once both list and the first to keep its result decides.
        var result = (dequeueCount > 1 ? await _results.FindAsync(step.Plan, step.RunId, stepId, cancellationToken) : null)
            ?? await _results.KeepFirstAsync(step.Plan, step.RunId, stepId, await _diff.DiffAsync(context.Context, window, cancellationToken), cancellationToken);

        if (result.Unchanged.Count > 0)
        {
            await _outcomes.UpsertAsync(step.RunId, result.Unchanged, cancellationToken);
        }

        // The step's identity names its batches: the range and the cursor it started from.
        var builder = new CopyBatchBuilder<CopyWorkItem>(step.Plan, step.RunId, _options.MaxEncodedMessageBytes, _options.MaxItemsPerBatch)
        {
            BatchIdPrefix = stepId,
        };
        var batches = builder.Pack(SpreadOrder(result.Work)).ToList();
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (batch, ct) => await _copyQueue.SendAsync(batch, null, ct));

        var next = new ListingPosition(result.NextAfter ?? window.After, result.NextAfter is null) { Last = position.Last };
        var recorded = result.Recorded.Select(r => new RecordedRange(r, result.Trusted)).ToList();
        var (advanced, updated) = await _runs.AdvanceListingAsync(step.Plan, step.RunId, step.RangeId, step.After, next, result.Totals,
            batches.Count, result.Work.Count, recorded, requests.Snapshot(), cancellationToken);
        if (!advanced)
        {
            Log.StepRaced(_logger, step.Plan, step.RunId, step.RangeId);
            return;
        }

        Log.Listed(_logger, step.Plan, step.RunId, step.RangeId, result.Totals.Listed, result.Work.Count, batches.Count, next.Done);
        await ContinueAsync(updated, step.RangeId, next, cancellationToken);
    }

    /// <summary>A list step whose every delivery failed: the run cannot know its objects, so it fails.</summary>
    public async Task HandlePoisonAsync(ListStepMessage step, Exception? error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(step);
        var why = error is null ? "its worker stopped on every delivery" : $"{error.GetType().Name}: {error.Message}";
        await _runs.FinishAsync(step.Plan, step.RunId, RunStatus.Failed,
            r => r with { Error = $"Listing of range '{step.RangeId}' after '{step.After}' failed: {why}" }, cancellationToken);
    }

    /// <summary>The step that continues a range from its recorded position, or the finalizer's check for the last.</summary>
    internal async Task ContinueAsync(RunRecord run, string rangeId, ListingPosition position, CancellationToken cancellationToken)
    {
        if (!position.Done)
        {
            await _listQueue.SendAsync(new ListStepMessage(run.Plan, run.RunId, rangeId, position.After, position.Last), null, cancellationToken);
        }
        else
        {
            await _finalizer.TryFinalizeAsync(run.Plan, run.RunId, cancellationToken);
        }
    }

    /// <summary>
    /// A range recorded in sync by the previous run that starts at the cursor (and ends inside the key range) is checked
    /// as a whole; else one page, cut at the key range's end.
    /// </summary>
    private static ListingWindow Window(RunSpec spec, string? after, string? last)
    {
        foreach (var range in spec.Trusted)
        {
            if (range.After == after && (last is null || Utf8Ordinal.Instance.Compare(range.Last, last) <= 0))
            {
                return ListingWindow.ForRange(range, last);
            }
        }

        return ListingWindow.Page(after, last);
    }

    /// <summary>
    /// The window's work in bit-reversed order of its listing positions (0, n/2, n/4, 3n/4, …; deterministic, so a
    /// redelivered step makes the same batches): any few consecutive items, as a batch's copies in flight are, lie far
    /// apart in key order. In listing order every copy in flight would target adjacent keys, which OSS serves from one
    /// index partition (about 2,000 requests/s) however far below the account's cap the run is.
    /// </summary>
    internal static IReadOnlyList<T> SpreadOrder<T>(IReadOnlyList<T> items)
    {
        if (items.Count <= 2)
        {
            return items;
        }

        var bits = 0;
        while (1 << bits < items.Count)
        {
            bits++;
        }

        var spread = new List<T>(items.Count);
        for (var i = 0; i < 1 << bits; i++)
        {
            var position = Reverse(i, bits);
            if (position < items.Count)
            {
                spread.Add(items[position]);
            }
        }

        return spread;

        static int Reverse(int value, int bits)
        {
            var reversed = 0;
            for (var b = 0; b < bits; b++)
            {
                reversed = (reversed << 1) | ((value >> b) & 1);
            }

            return reversed;
        }
    }

    internal static string StepId(ListStepMessage step)
    {
        // Short and stable: a hash of the range and cursor (a key of up to 1,023 bytes would not fit every batch).
        var text = step.RangeId + "\n" + (step.After is null ? "\u0001" : "k" + step.After);
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text));
        return Convert.ToHexString(hash, 0, 12).ToLowerInvariant();
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Run {RunId} of plan {Plan}, range {RangeId}: listed {Listed}, {Work} to copy in {Batches} batches; range done: {Done}.")]
        public static partial void Listed(ILogger logger, string plan, string runId, string rangeId, long listed, int work, int batches, bool done);

        [LoggerMessage(2, LogLevel.Information, "Run {RunId} of plan {Plan}, range {RangeId}: another delivery of this list step moved the position first.")]
        public static partial void StepRaced(ILogger logger, string plan, string runId, string rangeId);
    }
}
