using System.Collections.Concurrent;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using OssCopy.AzureStorage;

namespace OssCopy.Functions.Copy;

/// <summary>The queue and tables of queued copies. Constants: the queue triggers bind to these names.</summary>
public static class AsyncCopyNames
{
    /// <summary>The connection the queue triggers use, as <see cref="AzureStorageOptions.Connection"/> defaults to.</summary>
    public const string Connection = "AzureWebJobsStorage";

    /// <summary>One message (<c>{"id":"…"}</c>) per copy to run; the request itself is in <see cref="CopiesTable"/>.</summary>
    public const string Queue = "osscopy-copy-requests";

    /// <summary>Where the host moves a message after <c>maxDequeueCount</c> failed deliveries.</summary>
    public const string PoisonQueue = Queue + "-poison";

    /// <summary>Each queued copy: request, status, lease, outcome.</summary>
    public const string CopiesTable = "osscopycopies";

    /// <summary>Idempotency-Key reservations and the answers they keep.</summary>
    public const string IdempotencyTable = "osscopyidempotency";

    /// <summary>OSS events already handled (or in hand), by their deduplication key.</summary>
    public const string EventsTable = "osscopyevents";
}

/// <summary>
/// The storage account's clients for queued copies, made on first use (a copy that never needs storage never
/// reads the connection), and each table and queue created once per process.
/// </summary>
public sealed class AsyncCopyStorage
{
    private readonly Lazy<AzureStorageClients> _clients;
    private readonly ConcurrentDictionary<string, bool> _created = new(StringComparer.Ordinal);

    public AsyncCopyStorage(Func<AzureStorageClients> clients)
    {
        ArgumentNullException.ThrowIfNull(clients);
        _clients = new Lazy<AzureStorageClients>(clients);
    }

    public async Task<TableClient> TableAsync(string name, CancellationToken cancellationToken)
    {
        var table = _clients.Value.Tables.GetTableClient(name);
        if (!_created.ContainsKey("table:" + name))
        {
            await table.CreateIfNotExistsAsync(cancellationToken);
            _created["table:" + name] = true;
        }

        return table;
    }

    public async Task<QueueClient> QueueAsync(string name, CancellationToken cancellationToken)
    {
        var queue = _clients.Value.Queues.GetQueueClient(name);
        if (!_created.ContainsKey("queue:" + name))
        {
            await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            _created["queue:" + name] = true;
        }

        return queue;
    }
}
