using System.Text.Json;

namespace OssCopy.AzureStorage;

/// <summary>
/// Packs work items into <see cref="CopyBatchMessage{TItem}"/>s sized by bytes: each batch's JSON, Base64-encoded as
/// the queue client sends it, stays within the configured budget (64 KiB is the service's limit). Items are measured
/// one by one with the codec's options; the batch's size is the envelope's plus the items' plus a comma between
/// them, which is exactly what the serializer writes (a test checks it against the real encoding).
/// </summary>
public sealed class CopyBatchBuilder<TItem>
{
    private readonly string _plan;
    private readonly string _runId;
    private readonly int _maxEncodedBytes;
    private readonly int _maxItems;
    private readonly List<TItem> _items = [];
    private long _itemBytes;
    private int _envelopeBytes = -1;
    private int _sequence;

    public CopyBatchBuilder(string plan, string runId, int maxEncodedBytes, int maxItems = 1000)
    {
        ArgumentException.ThrowIfNullOrEmpty(plan);
        ArgumentException.ThrowIfNullOrEmpty(runId);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEncodedBytes, 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxItems, 1);
        _plan = plan;
        _runId = runId;
        _maxEncodedBytes = maxEncodedBytes;
        _maxItems = maxItems;
    }

    /// <summary>Batch ids are <c>{prefix}-{n}</c>, so a list step that is retried makes the same ids (give it the step's id).</summary>
    public string BatchIdPrefix { get; init; } = "b";

    public int Count => _items.Count;

    /// <summary>
    /// Adds the item, or returns the full batch that had no room for it (the item then starts the next batch).
    /// Throws if the item alone exceeds the budget.
    /// </summary>
    public CopyBatchMessage<TItem>? Add(TItem item)
    {
        var itemBytes = JsonSerializer.SerializeToUtf8Bytes(item, QueueMessageCodec.Options).Length;
        if (Measure(1, itemBytes) > _maxEncodedBytes)
        {
            throw new ArgumentException($"One work item encodes to {QueueMessageCodec.Base64Length(EnvelopeBytes() + itemBytes)} bytes, over the message budget of {_maxEncodedBytes}.", nameof(item));
        }

        CopyBatchMessage<TItem>? full = null;
        if (_items.Count > 0 && (_items.Count >= _maxItems || Measure(_items.Count + 1, _itemBytes + itemBytes) > _maxEncodedBytes))
        {
            full = Flush();
        }

        _items.Add(item);
        _itemBytes += itemBytes;
        return full;
    }

    /// <summary>The batch so far, or null when empty; the builder starts afresh.</summary>
    public CopyBatchMessage<TItem>? Flush()
    {
        if (_items.Count == 0)
        {
            return null;
        }

        var batch = new CopyBatchMessage<TItem>(_plan, _runId, $"{BatchIdPrefix}-{_sequence++}", [.. _items]);
        _items.Clear();
        _itemBytes = 0;
        return batch;
    }

    /// <summary>All items into batches, the last one partial.</summary>
    public IEnumerable<CopyBatchMessage<TItem>> Pack(IEnumerable<TItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        foreach (var item in items)
        {
            if (Add(item) is { } full)
            {
                yield return full;
            }
        }

        if (Flush() is { } last)
        {
            yield return last;
        }
    }

    private long Measure(int count, long itemBytes) =>
        QueueMessageCodec.Base64Length((int)Math.Min(int.MaxValue, EnvelopeBytes() + itemBytes + Math.Max(0, count - 1)));

    private int EnvelopeBytes()
    {
        if (_envelopeBytes < 0)
        {
            // The longest batch id this builder can make, so the measure never undercounts.
            var envelope = new CopyBatchMessage<TItem>(_plan, _runId, $"{BatchIdPrefix}-{int.MaxValue}", []);
            _envelopeBytes = JsonSerializer.SerializeToUtf8Bytes(envelope, QueueMessageCodec.Options).Length;
        }

        return _envelopeBytes;
    }
}
