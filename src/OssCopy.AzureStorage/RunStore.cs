using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using OssCopy.Core.Backup;
using OssCopy.Core.State;

namespace OssCopy.AzureStorage;

/// <summary>
/// Run records in a table, partition = the plan. Row <c>active</c> names the plan's running run; row <c>run-{id}</c>
/// holds each run. Both change in one entity-group transaction with If-Match on the ETags read, so two concurrent
/// starts make one run (the loser's transaction fails with 409/412 and it re-reads), and a stale run is taken over
/// by exactly one start. Updates are read–modify–write loops on the run row's ETag.
/// </summary>
public sealed partial class RunStore
{
    private const string ActiveRow = "active";
    private const string RunRowPrefix = "run-";
    private const string BatchRowPrefix = "batch-";
    private const string RangeRowPrefix = "range-";

    private readonly TableClient _table;
    private readonly TimeProvider _time;
    private readonly TimeSpan _stalePeriod;

    public RunStore(AzureStorageClients clients, AzureStorageOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentNullException.ThrowIfNull(options);
        _table = clients.Tables.GetTableClient(options.RunsTable);
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _stalePeriod = options.StalePeriod;
    }

    public Task CreateIfNotExistsAsync(CancellationToken cancellationToken) => _table.CreateIfNotExistsAsync(cancellationToken);

    /// <summary>
    /// Starts a run of the plan unless one is active. A run whose heartbeat is older than the stale period is taken
    /// over: same run id, heartbeat renewed, <see cref="RunRecord.Takeovers"/> + 1; the caller resumes it.
    /// </summary>
    public async Task<RunStart> StartAsync(string plan, string fingerprint, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(fingerprint);
        var partition = TableKeys.ForText(plan);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var now = _time.GetUtcNow();
            var active = await _table.GetEntityIfExistsAsync<TableEntity>(partition, ActiveRow, cancellationToken: cancellationToken);
            if (!active.HasValue)
            {
                var run = new RunRecord
                {
                    Plan = plan,
                    RunId = NewRunId(now),
                    Fingerprint = fingerprint,
                    Status = RunStatus.Listing,
                    StartedAt = now,
                    HeartbeatAt = now,
                };
                var pointer = new TableEntity(partition, ActiveRow) { ["RunId"] = run.RunId };
                if (await TrySubmitAsync([new(TableTransactionActionType.Add, pointer), new(TableTransactionActionType.Add, ToEntity(partition, run))], cancellationToken))
                {
                    return new RunStart(RunStartOutcome.Started, run);
                }

                continue;
            }

            var runId = active.Value!.GetString("RunId");
            var row = await _table.GetEntityIfExistsAsync<TableEntity>(partition, RunRowPrefix + runId, cancellationToken: cancellationToken);
            if (!row.HasValue)
            {
                // A pointer without its run cannot come from this store's transactions; refuse to guess.
                throw new InvalidDataException($"The runs table names run '{runId}' as active for plan '{plan}', but has no record of it.");
            }

            var current = FromEntity(row.Value!);
            if (now - current.HeartbeatAt < _stalePeriod)
            {
                return new RunStart(RunStartOutcome.AlreadyActive, current);
            }

            // Touching the pointer too makes a concurrent takeover (which read the same pointer ETag) fail.
            var taken = current with { HeartbeatAt = now, Takeovers = current.Takeovers + 1 };
            var pointerTouch = new TableEntity(partition, ActiveRow) { ["RunId"] = runId, ["TakenOverAt"] = now };
            if (await TrySubmitAsync(
                [
                    new(TableTransactionActionType.UpdateReplace, pointerTouch, active.Value!.ETag),
                    new(TableTransactionActionType.UpdateReplace, ToEntity(partition, taken), row.Value!.ETag),
                ],
                cancellationToken))
            {
                return new RunStart(RunStartOutcome.TookOver, taken);
            }
        }
    }

    public async Task<RunRecord?> GetAsync(string plan, string runId, CancellationToken cancellationToken)
    {
        // A plan or run id no row key can hold names no run we made: a hostile or corrupt message finds nothing (and is
        // dropped by its handler) instead of failing on every delivery.
        if (string.IsNullOrEmpty(plan) || string.IsNullOrEmpty(runId) || runId.Any(IsForbiddenInRowKey))
        {
            return null;
        }

        var row = await _table.GetEntityIfExistsAsync<TableEntity>(TableKeys.ForText(plan), RunRowPrefix + runId, cancellationToken: cancellationToken);
        return row.HasValue ? FromEntity(row.Value!) : null;
    }

    // The table service refuses these in a PartitionKey or RowKey.
    private static bool IsForbiddenInRowKey(char c) => c is '/' or '\\' or '#' or '?' || char.IsControl(c);

    /// <summary>The plan's running run, or null.</summary>
    public async Task<RunRecord?> GetActiveAsync(string plan, CancellationToken cancellationToken)
    {
        var active = await _table.GetEntityIfExistsAsync<TableEntity>(TableKeys.ForText(plan), ActiveRow, cancellationToken: cancellationToken);
        return active.HasValue ? await GetAsync(plan, active.Value!.GetString("RunId"), cancellationToken) : null;
    }

    /// <summary>The plan's most recently started run (running or finished), or null when it never ran.</summary>
    public async Task<RunRecord?> GetLatestAsync(string plan, CancellationToken cancellationToken)
    {
        // Run ids start with their start time (yyyyMMddTHHmmssZ), so the greatest run row is the latest run.
        var partition = TableKeys.ForText(plan);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {RunRowPrefix} and RowKey lt {RunRowPrefix + "~"}");
        string? latest = null;
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            if (latest is null || string.CompareOrdinal(row.RowKey, latest) > 0)
            {
                latest = row.RowKey;
            }
        }

        return latest is null ? null : await GetAsync(plan, latest[RunRowPrefix.Length..], cancellationToken);
    }

    /// <summary>
    /// Applies <paramref name="change"/> to the latest record and writes it if nobody wrote in between (If-Match),
    /// else re-reads and applies it again: <paramref name="change"/> must be a pure function of the record it gets
    /// (add deltas, don't set totals computed outside). Renews the heartbeat. Throws when the run is finished.
    /// </summary>
    public async Task<RunRecord> UpdateAsync(string plan, string runId, Func<RunRecord, RunRecord> change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        var partition = TableKeys.ForText(plan);
        for (var attempt = 0; ; attempt++)
        {
            var row = await _table.GetEntityAsync<TableEntity>(partition, RunRowPrefix + runId, cancellationToken: cancellationToken);
            var current = FromEntity(row.Value);
            if (current.IsFinished)
            {
                throw new InvalidOperationException($"Run '{runId}' of plan '{plan}' is {current.Status}; it takes no more updates.");
            }

            var next = change(current) with { Plan = current.Plan, RunId = current.RunId, HeartbeatAt = _time.GetUtcNow() };
            try
            {
                await _table.UpdateEntityAsync(ToEntity(partition, next), row.Value.ETag, TableUpdateMode.Replace, cancellationToken);
                return next;
            }
            catch (RequestFailedException e) when (e.Status == 412)
            {
                await BackOffAsync(attempt, cancellationToken);
            }
        }
    }

    /// <summary>Adds to the run's totals and counters (the common update of a finished copy batch).</summary>
    public Task<RunRecord> AddAsync(string plan, string runId, ReportTotals totals, long batchesCompleted, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(totals);
        return UpdateAsync(plan, runId, r => r with { Totals = r.Totals + totals, BatchesCompleted = r.BatchesCompleted + batchesCompleted }, cancellationToken);
    }

    /// <summary>Renews the heartbeat only.</summary>
    public Task<RunRecord> HeartbeatAsync(string plan, string runId, CancellationToken cancellationToken) =>
        UpdateAsync(plan, runId, r => r, cancellationToken);

    /// <summary>
    /// Ends the run (Completed or Failed) and frees the plan for the next start, in one transaction. Idempotent: a
    /// finished run stays as it is.
    /// </summary>
    public async Task<RunRecord> FinishAsync(string plan, string runId, RunStatus status, Func<RunRecord, RunRecord>? change, CancellationToken cancellationToken)
    {
        if (status is not (RunStatus.Completed or RunStatus.Failed))
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "A run finishes Completed or Failed.");
        }

        var partition = TableKeys.ForText(plan);
        for (var attempt = 0; ; attempt++)
        {
            var row = await _table.GetEntityAsync<TableEntity>(partition, RunRowPrefix + runId, cancellationToken: cancellationToken);
            var current = FromEntity(row.Value);
            if (current.IsFinished)
            {
                return current;
            }

            var now = _time.GetUtcNow();
            var finished = (change?.Invoke(current) ?? current) with { Plan = current.Plan, RunId = current.RunId, Status = status, FinishedAt = now, HeartbeatAt = now };
            var actions = new List<TableTransactionAction> { new(TableTransactionActionType.UpdateReplace, ToEntity(partition, finished), row.Value.ETag) };
            var active = await _table.GetEntityIfExistsAsync<TableEntity>(partition, ActiveRow, cancellationToken: cancellationToken);
            if (active.HasValue && active.Value!.GetString("RunId") == runId)
            {
                actions.Add(new(TableTransactionActionType.Delete, active.Value!, active.Value!.ETag));
            }

            if (await TrySubmitAsync(actions, cancellationToken))
            {
                return finished;
            }

            await BackOffAsync(attempt, cancellationToken);
        }
    }

    /// <summary>
    /// Moves the listing of <paramref name="rangeId"/> from <paramref name="expectedAfter"/> to
    /// <paramref name="next"/>, adds the window's totals and enqueued counts and records its sync ranges, in one
    /// transaction. False (nothing written) when the range is no longer at <paramref name="expectedAfter"/>: another
    /// delivery of the same step got there first, and its batches and next step are the ones that count.
    /// </summary>
    public Task<(bool Advanced, RunRecord Run)> AdvanceListingAsync(
        string plan, string runId, string rangeId, string? expectedAfter, ListingPosition next, ReportTotals totals, long batches, long objects,
        IReadOnlyList<RecordedRange> recorded, CancellationToken cancellationToken) =>
        AdvanceListingAsync(plan, runId, rangeId, expectedAfter, next, totals, batches, objects, recorded, null, cancellationToken);

    /// <summary>As the overload without <paramref name="requests"/>, adding the step's OSS requests to the run's.</summary>
    public async Task<(bool Advanced, RunRecord Run)> AdvanceListingAsync(
        string plan, string runId, string rangeId, string? expectedAfter, ListingPosition next, ReportTotals totals, long batches, long objects,
        IReadOnlyList<RecordedRange> recorded, IReadOnlyDictionary<string, long>? requests, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(totals);
        ArgumentNullException.ThrowIfNull(recorded);
        var partition = TableKeys.ForText(plan);
        for (var attempt = 0; ; attempt++)
        {
            var row = await _table.GetEntityAsync<TableEntity>(partition, RunRowPrefix + runId, cancellationToken: cancellationToken);
            var current = FromEntity(row.Value);
            if (current.IsFinished || !current.Listing.TryGetValue(rangeId, out var position) || position.Done || position.After != expectedAfter)
            {
                return (false, current);
            }

            var listing = new Dictionary<string, ListingPosition>(current.Listing, StringComparer.Ordinal) { [rangeId] = next };
            var allDone = listing.Values.All(p => p.Done);
            var updated = current with
            {
                Listing = listing,
                Totals = current.Totals + totals,
                BatchesEnqueued = current.BatchesEnqueued + batches,
                ObjectsEnqueued = current.ObjectsEnqueued + objects,
                Requests = RunRecord.AddRequests(current.Requests, requests),
                Status = allDone && current.Status == RunStatus.Listing ? RunStatus.Copying : current.Status,
                HeartbeatAt = _time.GetUtcNow(),
            };
            var actions = new List<TableTransactionAction> { new(TableTransactionActionType.UpdateReplace, ToEntity(partition, updated), row.Value.ETag) };
            foreach (var range in recorded)
            {
                actions.Add(new(TableTransactionActionType.UpsertReplace, new TableEntity(partition, RangeRowKey(runId, range.Range.After))
                {
                    ["Range"] = JsonSerializer.Serialize(range.Range, ReportJson.CompactOptions),
                    ["Trusted"] = range.Trusted,
                }));
            }

            if (await TrySubmitAsync(actions, cancellationToken))
            {
                return (true, updated);
            }

            await BackOffAsync(attempt, cancellationToken);
        }
    }

    /// <summary>The sync ranges the run's list steps recorded, in key order.</summary>
    public async Task<IReadOnlyList<RecordedRange>> ReadRecordedRangesAsync(string plan, string runId, CancellationToken cancellationToken)
    {
        var partition = TableKeys.ForText(plan);
        var from = RangeRowPrefix + runId + "-";
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {from} and RowKey lt {from + "~"}");
        var ranges = new List<RecordedRange>();
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, cancellationToken: cancellationToken))
        {
            var range = JsonSerializer.Deserialize<SyncRange>(row.GetString("Range") ?? "null", ReportJson.CompactOptions)
                ?? throw new InvalidDataException($"Range row {row.RowKey} holds no range.");
            ranges.Add(new RecordedRange(range, row.GetBoolean("Trusted") ?? false));
        }

        // Row keys order keys except within a long shared prefix: sort by the ranges' own keys.
        return [.. ranges.OrderBy(r => r.Range.Last, Utf8Ordinal.Instance)];
    }

    private static string RangeRowKey(string runId, string? after) =>
        RangeRowPrefix + runId + "-" + (after is null ? "-" : "k" + TableKeys.RowKey(after));

    private async Task<bool> TrySubmitAsync(IReadOnlyList<TableTransactionAction> actions, CancellationToken cancellationToken)
    {
        try
        {
            await _table.SubmitTransactionAsync(actions, cancellationToken);
            return true;
        }
        catch (TableTransactionFailedException e) when (e.Status is 409 or 412 or 404)
        {
            // Someone else added, changed or removed a row we read: read again.
            return false;
        }
    }

    private static Task BackOffAsync(int attempt, CancellationToken cancellationToken) =>
        // Contended updates retry after a short random pause so writers don't collide in lock step.
        Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20 << Math.Min(attempt, 5))), cancellationToken);

    private static string NewRunId(DateTimeOffset now) => $"{now.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}-{Guid.NewGuid():N}"[..29];

    private static TableEntity ToEntity(string partition, RunRecord run) => new(partition, RunRowPrefix + run.RunId)
    {
        ["Plan"] = run.Plan,
        ["RunId"] = run.RunId,
        ["Fingerprint"] = run.Fingerprint,
        ["Status"] = run.Status.ToString(),
        ["StartedAt"] = run.StartedAt,
        ["FinishedAt"] = run.FinishedAt,
        ["HeartbeatAt"] = run.HeartbeatAt,
        ["Takeovers"] = run.Takeovers,
        ["Totals"] = JsonSerializer.Serialize(run.Totals, ReportJson.CompactOptions),
        ["Listing"] = ListingJson(run),
        ["BatchesEnqueued"] = run.BatchesEnqueued,
        ["BatchesCompleted"] = run.BatchesCompleted,
        ["ObjectsEnqueued"] = run.ObjectsEnqueued,
        ["Requests"] = JsonSerializer.Serialize(run.Requests, ReportJson.CompactOptions),
        ["Copied"] = run.Totals.Copied,
        ["CopiedBytes"] = run.Totals.CopiedBytes,
        ["Failed"] = run.Totals.Failed,
        ["Error"] = run.Error,
    };

    private static string ListingJson(RunRecord run)
    {
        // A string property holds at most 64 KiB (32K UTF-16 characters); cursors are keys of up to 1,023 bytes.
        var json = JsonSerializer.Serialize(run.Listing, ReportJson.CompactOptions);
        if (json.Length > MaxListingChars)
        {
            throw new InvalidOperationException($"Run '{run.RunId}' tracks {run.Listing.Count} key ranges whose cursors take {json.Length} characters; a run record holds at most {MaxListingChars}. Use fewer ranges.");
        }

        return json;
    }

    private const int MaxListingChars = 30_000;

    private static RunRecord FromEntity(TableEntity row) => new()
    {
        Plan = row.GetString("Plan"),
        RunId = row.GetString("RunId"),
        Fingerprint = row.GetString("Fingerprint"),
        Status = Enum.Parse<RunStatus>(row.GetString("Status")),
        StartedAt = row.GetDateTimeOffset("StartedAt") ?? default,
        FinishedAt = row.GetDateTimeOffset("FinishedAt"),
        HeartbeatAt = row.GetDateTimeOffset("HeartbeatAt") ?? default,
        Takeovers = row.GetInt32("Takeovers") ?? 0,
        Totals = JsonSerializer.Deserialize<ReportTotals>(row.GetString("Totals") ?? "{}", ReportJson.CompactOptions) ?? new(),
        Listing = JsonSerializer.Deserialize<Dictionary<string, ListingPosition>>(row.GetString("Listing") ?? "{}", ReportJson.CompactOptions) ?? [],
        BatchesEnqueued = row.GetInt64("BatchesEnqueued") ?? 0,
        BatchesCompleted = row.GetInt64("BatchesCompleted") ?? 0,
        ObjectsEnqueued = row.GetInt64("ObjectsEnqueued") ?? 0,
        Requests = JsonSerializer.Deserialize<SortedDictionary<string, long>>(row.GetString("Requests") ?? "{}", ReportJson.CompactOptions) ?? [],
        Error = row.GetString("Error"),
    };
}
