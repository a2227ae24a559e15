using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using OssCopy.Functions.Configuration;
using OssCopy.Functions.Copy;

namespace OssCopy.Functions.Events;

/// <summary>
/// Handled events in a table, so a redelivery that reaches another instance is still a duplicate: taking an event is
/// an insert (insert-if-absent, the first delivery wins), a handled event is remembered for
/// <see cref="EventOptions.DeduplicationWindow"/>, one in hand whose delivery died is free again after
/// <see cref="AsyncCopyOptions.CopyLease"/>.
/// </summary>
public sealed class TableEventDeduplicator : IEventDeduplicator
{
    private const string Partition = "event";

    private readonly AsyncCopyStorage _storage;
    private readonly TimeProvider _time;
    private readonly TimeSpan _window;
    private readonly TimeSpan _inHand;

    public TableEventDeduplicator(AsyncCopyStorage storage, TimeProvider time, IOptions<EventOptions> events, IOptions<AsyncCopyOptions> async)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(async);
        _storage = storage ?? throw new ArgumentNullException(nameof(storage));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _window = events.Value.DeduplicationWindow;
        _inHand = async.Value.CopyLease;
    }

    public async Task<bool> TryBeginAsync(string eventKey, CancellationToken cancellationToken)
    {
        var table = await _storage.TableAsync(AsyncCopyNames.EventsTable, cancellationToken);
        var now = _time.GetUtcNow();
        var entity = new TableEntity(Partition, RowKey(eventKey)) { ["State"] = "InHand", ["ExpiresAt"] = now + _inHand };
        try
        {
            await table.AddEntityAsync(entity, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
        }

        var existing = await table.GetEntityIfExistsAsync<TableEntity>(Partition, entity.RowKey, cancellationToken: cancellationToken);
        if (!existing.HasValue || existing.Value!.GetDateTimeOffset("ExpiresAt") is not { } expires || expires > now)
        {
            return false;
        }

        try
        {
            await table.UpdateEntityAsync(entity, existing.Value.ETag, TableUpdateMode.Replace, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404)
        {
            return false;
        }
    }

    public async Task CompleteAsync(string eventKey, CancellationToken cancellationToken)
    {
        var table = await _storage.TableAsync(AsyncCopyNames.EventsTable, cancellationToken);
        await table.UpsertEntityAsync(
            new TableEntity(Partition, RowKey(eventKey)) { ["State"] = "Handled", ["ExpiresAt"] = _time.GetUtcNow() + _window },
            TableUpdateMode.Replace, cancellationToken);
    }

    public async Task ReleaseAsync(string eventKey, CancellationToken cancellationToken)
    {
        var table = await _storage.TableAsync(AsyncCopyNames.EventsTable, cancellationToken);
        await table.DeleteEntityAsync(Partition, RowKey(eventKey), ETag.All, cancellationToken);
    }

    // Event keys hold '|' and object keys (any character): a hash is a valid, fixed-length row key.
    private static string RowKey(string eventKey) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(eventKey)));
}
