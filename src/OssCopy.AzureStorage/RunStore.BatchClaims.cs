using Azure;
using Azure.Data.Tables;
using OssCopy.Core.Backup;

namespace OssCopy.AzureStorage;

/// <summary>
/// A worker's hold on one copy batch: only the holder copies its objects, until it completes or its lease ends.
/// <see cref="Fresh"/>: the claim row was created by this claim, so no delivery worked on the batch before and it has
/// no outcomes yet.
/// </summary>
public sealed record BatchClaim(string Plan, string RunId, string BatchId, string Holder, DateTimeOffset ExpiresAt, ETag ETag, bool Fresh);

public enum BatchClaimState
{
    /// <summary>This caller holds the batch now.</summary>
    Claimed,

    /// <summary>The batch was counted as completed: nothing to do.</summary>
    Completed,

    /// <summary>Another worker holds the batch and its lease is running.</summary>
    HeldElsewhere,
}

/// <summary>
/// The batch marker is the claim: row <c>batch-{runId}-{batch}</c> in the plan's partition (beside the run row, so the
/// completion and the run's counters change in one transaction). A worker inserts it (insert-if-absent) or, when its
/// holder's lease ran out, takes it over with If-Match; it renews the lease while copying; completion marks the row
/// with the holder's ETag, so a worker whose claim was taken over counts nothing. Two deliveries of one batch (a
/// redelivered message, or the same batch sent by two deliveries of a list step) therefore never copy at once.
/// </summary>
public sealed partial class RunStore
{
    private const string HolderProperty = "Holder";
    private const string ExpiresProperty = "ExpiresAt";
    private const string CompletedProperty = "Completed";
    private const string AttemptsProperty = "Attempts";

    /// <summary>Claims the batch for <paramref name="lease"/>, unless it is completed or another holder's lease runs.</summary>
    public async Task<(BatchClaimState State, BatchClaim? Claim)> TryClaimBatchAsync(string plan, string runId, string batchId, TimeSpan lease, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lease, TimeSpan.Zero);
        var partition = TableKeys.ForText(plan);
        var rowKey = BatchRowKey(runId, batchId);
        var holder = Guid.NewGuid().ToString("N");
        while (true)
        {
            var now = _time.GetUtcNow();
            var expires = now + lease;
            try
            {
                var added = await _table.AddEntityAsync(ClaimEntity(partition, rowKey, holder, expires, completed: false, attempts: 1), cancellationToken);
                return (BatchClaimState.Claimed, new BatchClaim(plan, runId, batchId, holder, expires, added.Headers.ETag ?? ETag.All, Fresh: true));
            }
            catch (RequestFailedException e) when (e.Status == 409)
            {
                // Claimed before: look at the claim.
            }

            var existing = await _table.GetEntityIfExistsAsync<TableEntity>(partition, rowKey, cancellationToken: cancellationToken);
            if (!existing.HasValue)
            {
                continue;
            }

            var row = existing.Value!;
            if (IsCompleted(row))
            {
                return (BatchClaimState.Completed, null);
            }

            if ((row.GetDateTimeOffset(ExpiresProperty) ?? DateTimeOffset.MinValue) > now)
            {
                return (BatchClaimState.HeldElsewhere, null);
            }

            try
            {
                var attempts = (row.GetInt32(AttemptsProperty) ?? 1) + 1;
                var taken = await _table.UpdateEntityAsync(ClaimEntity(partition, rowKey, holder, expires, completed: false, attempts), row.ETag, TableUpdateMode.Replace, cancellationToken);
                return (BatchClaimState.Claimed, new BatchClaim(plan, runId, batchId, holder, expires, taken.Headers.ETag ?? ETag.All, Fresh: false));
            }
            catch (RequestFailedException e) when (e.Status is 412 or 404)
            {
                // Another worker took it over (or completed it) first: look again.
            }
        }
    }

    /// <summary>Extends the lease; null when the claim was lost (its lease ran out and another worker took the batch).</summary>
    public async Task<BatchClaim?> RenewBatchClaimAsync(BatchClaim claim, TimeSpan lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        var expires = _time.GetUtcNow() + lease;
        try
        {
            var partition = TableKeys.ForText(claim.Plan);
            var rowKey = BatchRowKey(claim.RunId, claim.BatchId);
            var renewed = await _table.UpdateEntityAsync(new TableEntity(partition, rowKey) { [ExpiresProperty] = expires }, claim.ETag, TableUpdateMode.Merge, cancellationToken);
            return claim with { ExpiresAt = expires, ETag = renewed.Headers.ETag ?? ETag.All };
        }
        catch (RequestFailedException e) when (e.Status is 412 or 404)
        {
            return null;
        }
    }

    /// <summary>Gives the batch up (its lease ends now) so the next delivery takes it at once; false when it was no longer held.</summary>
    public async Task<bool> ReleaseBatchClaimAsync(BatchClaim claim, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        try
        {
            var partition = TableKeys.ForText(claim.Plan);
            var rowKey = BatchRowKey(claim.RunId, claim.BatchId);
            await _table.UpdateEntityAsync(new TableEntity(partition, rowKey) { [ExpiresProperty] = DateTimeOffset.UnixEpoch }, claim.ETag, TableUpdateMode.Merge, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 412 or 404)
        {
            return false;
        }
    }

    /// <summary>
    /// Counts the claimed batch once: its totals and one completed batch added to the run, and the claim marked
    /// completed, in one transaction. Null (nothing counted) when the run is finished or the claim was lost.
    /// </summary>
    public Task<RunRecord?> CompleteBatchAsync(BatchClaim claim, ReportTotals totals, CancellationToken cancellationToken) =>
        CompleteBatchAsync(claim, totals, null, cancellationToken);

    /// <summary>As the overload without <paramref name="requests"/>, adding the batch's OSS requests to the run's.</summary>
    public async Task<RunRecord?> CompleteBatchAsync(BatchClaim claim, ReportTotals totals, IReadOnlyDictionary<string, long>? requests, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        ArgumentNullException.ThrowIfNull(totals);
        var partition = TableKeys.ForText(claim.Plan);
        var rowKey = BatchRowKey(claim.RunId, claim.BatchId);
        for (var attempt = 0; ; attempt++)
        {
            var row = await _table.GetEntityAsync<TableEntity>(partition, RunRowPrefix + claim.RunId, cancellationToken: cancellationToken);
            var current = FromEntity(row.Value);
            if (current.IsFinished)
            {
                return null;
            }

            var updated = current with
            {
                Totals = current.Totals + totals,
                BatchesCompleted = current.BatchesCompleted + 1,
                Requests = RunRecord.AddRequests(current.Requests, requests),
                HeartbeatAt = _time.GetUtcNow(),
            };
            if (await TrySubmitAsync(
                [
                    new(TableTransactionActionType.UpdateReplace, ToEntity(partition, updated), row.Value.ETag),
                    new(TableTransactionActionType.UpdateMerge, new TableEntity(partition, rowKey) { [CompletedProperty] = true }, claim.ETag),
                ],
                cancellationToken))
            {
                return updated;
            }

            var marker = await _table.GetEntityIfExistsAsync<TableEntity>(partition, rowKey, cancellationToken: cancellationToken);
            if (!marker.HasValue || marker.Value!.ETag != claim.ETag)
            {
                // Taken over (or completed by the new holder): that holder counts the batch.
                return null;
            }

            await BackOffAsync(attempt, cancellationToken);
        }
    }

    /// <summary>
    /// Counts a finished copy batch once without a claim: adds its totals and one completed batch, and marks the batch
    /// done, in one transaction. A batch already marked completed changes nothing: null.
    /// </summary>
    public async Task<RunRecord?> CompleteBatchAsync(string plan, string runId, string batchId, ReportTotals totals, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(totals);
        var partition = TableKeys.ForText(plan);
        var rowKey = BatchRowKey(runId, batchId);
        for (var attempt = 0; ; attempt++)
        {
            var row = await _table.GetEntityAsync<TableEntity>(partition, RunRowPrefix + runId, cancellationToken: cancellationToken);
            var current = FromEntity(row.Value);
            if (current.IsFinished)
            {
                return null;
            }

            var existing = await _table.GetEntityIfExistsAsync<TableEntity>(partition, rowKey, cancellationToken: cancellationToken);
            if (existing.HasValue && IsCompleted(existing.Value!))
            {
                return null;
            }

            var updated = current with { Totals = current.Totals + totals, BatchesCompleted = current.BatchesCompleted + 1, HeartbeatAt = _time.GetUtcNow() };
            var done = new TableEntity(partition, rowKey) { [CompletedProperty] = true };
            if (await TrySubmitAsync(
                [
                    new(TableTransactionActionType.UpdateReplace, ToEntity(partition, updated), row.Value.ETag),
                    existing.HasValue ? new(TableTransactionActionType.UpdateMerge, done, existing.Value!.ETag) : new(TableTransactionActionType.Add, done),
                ],
                cancellationToken))
            {
                return updated;
            }

            await BackOffAsync(attempt, cancellationToken);
        }
    }

    /// <summary>Whether the batch was counted as completed.</summary>
    public async Task<bool> IsBatchCompletedAsync(string plan, string runId, string batchId, CancellationToken cancellationToken)
    {
        var existing = await _table.GetEntityIfExistsAsync<TableEntity>(TableKeys.ForText(plan), BatchRowKey(runId, batchId), cancellationToken: cancellationToken);
        return existing.HasValue && IsCompleted(existing.Value!);
    }

    private static string BatchRowKey(string runId, string batchId) => BatchRowPrefix + runId + "-" + TableKeys.ForText(batchId);

    // A marker without claim properties is a completion marker (rows written before claims existed).
    private static bool IsCompleted(TableEntity row) => row.GetBoolean(CompletedProperty) ?? !row.ContainsKey(HolderProperty);

    private static TableEntity ClaimEntity(string partition, string rowKey, string holder, DateTimeOffset expires, bool completed, int attempts) => new(partition, rowKey)
    {
        [HolderProperty] = holder,
        [ExpiresProperty] = expires,
        [CompletedProperty] = completed,
        [AttemptsProperty] = attempts,
    };
}
