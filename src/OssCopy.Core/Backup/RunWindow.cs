namespace OssCopy.Core.Backup;

/// <summary>
/// The source objects of a run in listing order, from the oldest unfinished one to the newest listed. Copies finish
/// out of order; the checkpoint may only claim a key once it and every key before it are finished, so finished
/// objects wait here until the head of the window catches up, and then their totals move into
/// the committed totals. The window is bounded: the listing waits when it runs too far ahead.
/// </summary>
internal sealed class RunWindow(int capacity, string? resumedAfter, ReportTotals committed) : IDisposable
{
    private readonly object _gate = new();
    private readonly Queue<Slot> _slots = new();
    private readonly SemaphoreSlim _room = new(capacity, capacity);
    private string? _watermark = resumedAfter;
    private readonly TotalsAccumulator _committed = new(committed);

    public sealed class Slot(string key)
    {
        public string Key { get; } = key;

        public bool Done { get; set; }

        public ReportTotals? Delta { get; set; }
    }

    /// <summary>Adds the next listed key; waits while the window is full.</summary>
    public async ValueTask<Slot> EmitAsync(string key, CancellationToken cancellationToken)
    {
        await _room.WaitAsync(cancellationToken);
        var slot = new Slot(key);
        lock (_gate)
        {
            _slots.Enqueue(slot);
        }

        return slot;
    }

    public void Complete(Slot slot, ReportTotals delta)
    {
        ArgumentNullException.ThrowIfNull(slot);
        var released = 0;
        lock (_gate)
        {
            slot.Delta = delta;
            slot.Done = true;
            while (_slots.TryPeek(out var head) && head.Done)
            {
                _slots.Dequeue();
                _watermark = head.Key;
                _committed.Add(head.Delta!);
                released++;
            }
        }

        if (released > 0)
        {
            _room.Release(released);
        }
    }

    /// <summary>The last key such that it and all before it are finished, and their totals.</summary>
    public (string? Watermark, ReportTotals Committed) Snapshot()
    {
        lock (_gate)
        {
            return (_watermark, _committed.ToTotals());
        }
    }

    public void Dispose() => _room.Dispose();
}
