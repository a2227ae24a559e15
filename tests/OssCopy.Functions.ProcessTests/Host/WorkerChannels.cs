using System.Collections.Concurrent;

namespace OssCopy.Functions.ProcessTests.Host;

/// <summary>The workers connected to this host, by the worker id each announced in <c>StartStream</c>.</summary>
public sealed class WorkerChannels
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<WorkerChannel>> _channels = new(StringComparer.Ordinal);

    internal void Connected(WorkerChannel channel) => Slot(channel.WorkerId).TrySetResult(channel);

    /// <summary>Completes when the worker with this id has opened its stream.</summary>
    public Task<WorkerChannel> ConnectedAsync(string workerId, CancellationToken cancellationToken) =>
        Slot(workerId).Task.WaitAsync(cancellationToken);

    internal void CompleteAll()
    {
        foreach (var slot in _channels.Values)
        {
            if (slot.Task.IsCompletedSuccessfully)
            {
                slot.Task.Result.Complete();
                slot.Task.Result.Dispose();
            }
        }
    }

    private TaskCompletionSource<WorkerChannel> Slot(string workerId) =>
        _channels.GetOrAdd(workerId, _ => new TaskCompletionSource<WorkerChannel>(TaskCreationOptions.RunContinuationsAsynchronously));
}
