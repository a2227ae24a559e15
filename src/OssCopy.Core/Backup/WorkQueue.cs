using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace OssCopy.Core.Backup;

/// <summary>
/// The queue from a run's listing (one writer) to its copy workers, holding at most <c>capacity</c> items. Unlike a
/// bounded channel, which wakes a writer waiting on a full queue at every single read, the writer here waits until
/// the workers have taken the queue down to half: the listing is far faster than the copies, so the queue is full
/// nearly all the time, and a wake-up per object (a thread-pool hop, often a sleeping thread woken) was a large part
/// of the engine's CPU per copied object.
/// </summary>
internal sealed class WorkQueue<T>
{
    private readonly Channel<T> _channel = Channel.CreateUnbounded<T>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly int _capacity;
    private readonly int _resumeAt;
    private int _count;
    private TaskCompletionSource? _room;

    public WorkQueue(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _resumeAt = capacity / 2;
    }

    /// <summary>Adds an item; waits, when the queue is full, until the workers have taken it down to half.</summary>
    public ValueTask WriteAsync(T item, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!_channel.Writer.TryWrite(item))
        {
            throw new InvalidOperationException("The work queue is complete.");
        }

        return Interlocked.Increment(ref _count) >= _capacity ? WaitForRoomAsync(cancellationToken) : ValueTask.CompletedTask;
    }

    private async ValueTask WaitForRoomAsync(CancellationToken cancellationToken)
    {
        var room = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _room, room);

        // Published first, checked after: a worker that took the count down to half before it saw the signal has
        // left nothing to wait for; one that takes it there after finds the signal and sets it.
        if (Volatile.Read(ref _count) <= _resumeAt)
        {
            Interlocked.CompareExchange(ref _room, null, room);
            return;
        }

        await room.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>No more items: the workers end once they have taken what is queued.</summary>
    public void Complete() => _channel.Writer.TryComplete();

    /// <summary>The items in order, shared between the workers that read them.</summary>
    public async IAsyncEnumerable<T> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var reader = _channel.Reader;
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (reader.TryRead(out var item))
            {
                if (Interlocked.Decrement(ref _count) == _resumeAt)
                {
                    Interlocked.Exchange(ref _room, null)?.TrySetResult();
                }

                yield return item;
            }
        }
    }
}
