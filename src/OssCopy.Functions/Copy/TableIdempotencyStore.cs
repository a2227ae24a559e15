using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using OssCopy.AzureStorage;
using OssCopy.Functions.Configuration;

namespace OssCopy.Functions.Copy;

/// <summary>
/// Idempotency-Keys in a table, so every instance of a scaled-out app agrees: a reservation is an insert (the first
/// instance wins, the others see it), a finished answer is kept for <see cref="WebhookOptions.IdempotencyRetention"/>.
/// A reservation whose request died is free again after <see cref="AsyncCopyOptions.CopyLease"/>.
/// </summary>
public sealed class TableIdempotencyStore : IIdempotencyStore
{
    private const string Partition = "key";

    private readonly AsyncCopyStorage _storage;
    private readonly TimeProvider _time;
    private readonly TimeSpan _retention;
    private readonly TimeSpan _reservation;

    public TableIdempotencyStore(AsyncCopyStorage storage, TimeProvider time, IOptions<WebhookOptions> webhook, IOptions<AsyncCopyOptions> async)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        ArgumentNullException.ThrowIfNull(async);
        _storage = storage ?? throw new ArgumentNullException(nameof(storage));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _retention = webhook.Value.IdempotencyRetention;
        _reservation = async.Value.CopyLease;
    }

    public async Task<IdempotencyReservation> ReserveAsync(string key, string fingerprint, CancellationToken cancellationToken)
    {
        var table = await _storage.TableAsync(AsyncCopyNames.IdempotencyTable, cancellationToken);
        var row = RowKey(key);
        var now = _time.GetUtcNow();
        var reservation = new TableEntity(Partition, row) { ["Fingerprint"] = fingerprint, ["ExpiresAt"] = now + _reservation };
        try
        {
            await table.AddEntityAsync(reservation, cancellationToken);
            return new IdempotencyReservation(IdempotencyState.Reserved);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Held already: by a finished request, a running one, or one that expired.
        }

        var existing = await table.GetEntityIfExistsAsync<TableEntity>(Partition, row, cancellationToken: cancellationToken);
        if (!existing.HasValue)
        {
            // Released between our insert and our read: the caller may simply repeat.
            return new IdempotencyReservation(IdempotencyState.InProgress);
        }

        var entity = existing.Value!;
        if (entity.GetDateTimeOffset("ExpiresAt") is { } expires && expires <= now)
        {
            try
            {
                await table.UpdateEntityAsync(reservation, entity.ETag, TableUpdateMode.Replace, cancellationToken);
                return new IdempotencyReservation(IdempotencyState.Reserved);
            }
            catch (RequestFailedException ex) when (ex.Status is 412 or 404)
            {
                return new IdempotencyReservation(IdempotencyState.InProgress);
            }
        }

        if (!string.Equals(entity.GetString("Fingerprint"), fingerprint, StringComparison.Ordinal))
        {
            return new IdempotencyReservation(IdempotencyState.Mismatch);
        }

        return entity.GetInt32("ResponseStatus") is { } status
            ? new IdempotencyReservation(IdempotencyState.Completed,
                new StoredResponse(status, entity.GetString("ResponseContentType"), entity.GetBinary("ResponseBody") ?? [], entity.GetString("ResponseLocation")))
            : new IdempotencyReservation(IdempotencyState.InProgress);
    }

    public async Task CompleteAsync(string key, StoredResponse response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        var table = await _storage.TableAsync(AsyncCopyNames.IdempotencyTable, cancellationToken);
        var row = RowKey(key);
        var existing = await table.GetEntityIfExistsAsync<TableEntity>(Partition, row, cancellationToken: cancellationToken);
        if (!existing.HasValue)
        {
            return;
        }

        var entity = existing.Value!;
        entity["ExpiresAt"] = _time.GetUtcNow() + _retention;
        entity["ResponseStatus"] = response.StatusCode;
        entity["ResponseContentType"] = response.ContentType;
        entity["ResponseBody"] = response.Body;
        entity["ResponseLocation"] = response.Location;
        await table.UpdateEntityAsync(entity, entity.ETag, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task ReleaseAsync(string key, CancellationToken cancellationToken)
    {
        var table = await _storage.TableAsync(AsyncCopyNames.IdempotencyTable, cancellationToken);
        await table.DeleteEntityAsync(Partition, RowKey(key), ETag.All, cancellationToken);
    }

    // Keys are visible ASCII and may hold '/', '\', '#', '?', which table keys forbid.
    private static string RowKey(string key) => TableKeys.ForText(key);
}
