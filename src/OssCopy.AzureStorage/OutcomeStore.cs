using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using OssCopy.Core.Backup;

namespace OssCopy.AzureStorage;

/// <summary>
/// One row per (run, object key) holding the object's report entry. Partition <c>{runId}-{shard}</c> (shard = hash
/// of the key, so writes of a run spread evenly), row key from <see cref="TableKeys.RowKey"/>. Writes are idempotent:
/// a redelivered batch asks <see cref="FindAsync"/> / <see cref="FindRecordedAsync"/> first and skips what is there,
/// and <see cref="TryAddAsync"/> never replaces a row. <see cref="ReadInKeyOrderAsync"/> streams a run's entries in
/// OSS key order (UTF-8 bytes) by merging the shards, holding one page per shard.
/// </summary>
public sealed class OutcomeStore
{
    private const string EntryProperty = "Entry";
    private const string ActionProperty = "Action";

    // A transaction holds at most 100 entities of one partition.
    private const int TransactionLimit = 100;

    private readonly TableClient _table;
    private readonly int _shards;

    public OutcomeStore(AzureStorageClients clients, AzureStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentNullException.ThrowIfNull(options);
        _table = clients.Tables.GetTableClient(options.OutcomesTable);
        _shards = options.OutcomeShards;
    }

    public Task CreateIfNotExistsAsync(CancellationToken cancellationToken) => _table.CreateIfNotExistsAsync(cancellationToken);

    /// <summary>Records the entry unless the run already has one for the key; false when it had (the existing row is kept).</summary>
    public async Task<bool> TryAddAsync(string runId, ReportEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        try
        {
            await _table.AddEntityAsync(ToEntity(runId, entry), cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }

    /// <summary>
    /// Records the entries the run has no row for yet, in one transaction per partition (up to 100 rows each, the
    /// partitions at once): a batch's outcomes cost a request per partition, not per object. A transaction that meets
    /// an existing row falls back to one add per entry. Returns the entries as recorded (an existing row's wins).
    /// </summary>
    public async Task<IReadOnlyList<ReportEntry>> AddManyAsync(string runId, IReadOnlyCollection<ReportEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var chunks = entries
            .GroupBy(e => e.Key, StringComparer.Ordinal).Select(g => g.First())
            .GroupBy(e => Partition(runId, e.Key), StringComparer.Ordinal)
            .SelectMany(p => p.Chunk(TransactionLimit))
            .ToList();
        var recorded = new System.Collections.Concurrent.ConcurrentBag<ReportEntry>();
        await Parallel.ForEachAsync(chunks, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (chunk, ct) =>
        {
            try
            {
                await _table.SubmitTransactionAsync(chunk.Select(e => new TableTransactionAction(TableTransactionActionType.Add, ToEntity(runId, e))), ct);
                foreach (var entry in chunk)
                {
                    recorded.Add(entry);
                }
            }
            catch (TableTransactionFailedException e) when (e.Status == 409)
            {
                // Some were recorded before (an earlier delivery): add one by one, keeping what is there.
                foreach (var entry in chunk)
                {
                    recorded.Add(await TryAddAsync(runId, entry, ct) ? entry : await FindAsync(runId, entry.Key, ct) ?? entry);
                }
            }
        });
        return [.. recorded];
    }

    /// <summary>Writes the entries (replacing rows for the same keys), in transactions of up to 100 per partition.</summary>
    public async Task UpsertAsync(string runId, IEnumerable<ReportEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        foreach (var partition in entries.Select(e => ToEntity(runId, e)).GroupBy(e => e.PartitionKey, StringComparer.Ordinal))
        {
            // Two entries for one key in one transaction is an error: the last wins, as it would one by one.
            var rows = partition.GroupBy(e => e.RowKey, StringComparer.Ordinal).Select(g => g.Last()).ToList();
            foreach (var chunk in rows.Chunk(TransactionLimit))
            {
                await _table.SubmitTransactionAsync(chunk.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)), cancellationToken);
            }
        }
    }

    public async Task<ReportEntry?> FindAsync(string runId, string key, CancellationToken cancellationToken)
    {
        var response = await _table.GetEntityIfExistsAsync<TableEntity>(Partition(runId, key), TableKeys.RowKey(key), [EntryProperty], cancellationToken);
        return response.HasValue ? ToEntry(response.Value!) : null;
    }

    /// <summary>The entries the run already has among <paramref name="keys"/>: a redelivered batch copies only the rest.</summary>
    public async Task<IReadOnlyDictionary<string, ReportEntry>> FindRecordedAsync(string runId, IEnumerable<string> keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var distinct = keys.Distinct(StringComparer.Ordinal).ToList();
        var found = new Dictionary<string, ReportEntry>(StringComparer.Ordinal);
        foreach (var chunk in distinct.Chunk(16))
        {
            var results = await Task.WhenAll(chunk.Select(key => FindAsync(runId, key, cancellationToken)));
            for (var i = 0; i < chunk.Length; i++)
            {
                if (results[i] is { } entry)
                {
                    found[chunk[i]] = entry;
                }
            }
        }

        return found;
    }

    /// <summary>Every entry of the run in OSS key order, streamed: memory holds a page per shard and one same-prefix group.</summary>
    public async IAsyncEnumerable<ReportEntry> ReadInKeyOrderAsync(string runId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var shards = new List<IAsyncEnumerator<ReportEntry>>(_shards);
        try
        {
            var queue = new PriorityQueue<int, string>(Utf8Ordinal.Instance);
            for (var shard = 0; shard < _shards; shard++)
            {
                var enumerator = ReadShardAsync(PartitionOf(runId, shard), cancellationToken).GetAsyncEnumerator(cancellationToken);
                shards.Add(enumerator);
                if (await enumerator.MoveNextAsync())
                {
                    queue.Enqueue(shard, enumerator.Current.Key);
                }
            }

            while (queue.TryDequeue(out var shard, out _))
            {
                var enumerator = shards[shard];
                yield return enumerator.Current;
                if (await enumerator.MoveNextAsync())
                {
                    queue.Enqueue(shard, enumerator.Current.Key);
                }
            }
        }
        finally
        {
            foreach (var enumerator in shards)
            {
                await enumerator.DisposeAsync();
            }
        }
    }

    private async IAsyncEnumerable<ReportEntry> ReadShardAsync(string partition, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Rows come in row-key order: key order except within a group of keys sharing their first 288 bytes.
        var group = new List<ReportEntry>();
        string? groupRowKey = null;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition}");
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: ["RowKey", EntryProperty], cancellationToken: cancellationToken))
        {
            if (groupRowKey is not null && !TableKeys.Group(groupRowKey).SequenceEqual(TableKeys.Group(row.RowKey)))
            {
                foreach (var entry in Flush(group))
                {
                    yield return entry;
                }
            }

            groupRowKey = row.RowKey;
            group.Add(ToEntry(row));
        }

        foreach (var entry in Flush(group))
        {
            yield return entry;
        }
    }

    private static List<ReportEntry> Flush(List<ReportEntry> group)
    {
        var ordered = group.Count > 1 ? group.OrderBy(e => e.Key, Utf8Ordinal.Instance).ToList() : [.. group];
        group.Clear();
        return ordered;
    }

    private string Partition(string runId, string key) => PartitionOf(runId, TableKeys.Shard(key, _shards));

    private static string PartitionOf(string runId, int shard)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        return string.Create(CultureInfo.InvariantCulture, $"{runId}-{shard:D3}");
    }

    private TableEntity ToEntity(string runId, ReportEntry entry) => new(Partition(runId, entry.Key), TableKeys.RowKey(entry.Key))
    {
        [ActionProperty] = entry.Action.ToString(),
        [EntryProperty] = JsonSerializer.Serialize(entry, ReportJson.CompactOptions),
    };

    private static ReportEntry ToEntry(TableEntity row) =>
        JsonSerializer.Deserialize<ReportEntry>(row.GetString(EntryProperty) ?? throw new InvalidDataException($"Outcome row {row.PartitionKey}/{row.RowKey} has no entry."), ReportJson.CompactOptions)
        ?? throw new InvalidDataException($"Outcome row {row.PartitionKey}/{row.RowKey} holds null.");
}
