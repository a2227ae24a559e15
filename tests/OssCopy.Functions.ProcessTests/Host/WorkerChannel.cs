using System.Collections.Concurrent;
using Grpc.Core;
using OssCopy.Functions.ProcessTests.Protocol;

namespace OssCopy.Functions.ProcessTests.Host;

/// <summary>
/// One worker's stream as the host sees it: messages to send, and the worker's messages routed to whoever waits for
/// them. <c>RpcLog</c> messages are kept in <see cref="Logs"/>; any other message goes to the first waiter whose
/// predicate matches it, or is kept until one asks.
/// </summary>
public sealed class WorkerChannel : IDisposable
{
    private readonly IServerStreamWriter<StreamingMessage> _writer;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly List<StreamingMessage> _unclaimed = [];
    private readonly List<(Func<StreamingMessage, bool> Matches, TaskCompletionSource<StreamingMessage> Reply)> _waiters = [];
    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal WorkerChannel(string workerId, IServerStreamWriter<StreamingMessage> writer)
    {
        WorkerId = workerId;
        _writer = writer;
    }

    public string WorkerId { get; }

    /// <summary>Every <c>RpcLog</c> the worker sent, in order.</summary>
    public ConcurrentQueue<RpcLog> Logs { get; } = new();

    /// <summary>Completes when the worker's stream has ended.</summary>
    public Task Completion => _completed.Task;

    public async Task SendAsync(StreamingMessage message, CancellationToken cancellationToken)
    {
        // gRPC allows one write at a time on a stream; invocations are sent from concurrent tests.
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await _writer.WriteAsync(message, cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>The next worker message that <paramref name="matches"/>; fails if the stream ends first.</summary>
    public async Task<StreamingMessage> ReceiveAsync(Func<StreamingMessage, bool> matches, CancellationToken cancellationToken)
    {
        var reply = new TaskCompletionSource<StreamingMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            var waiting = _unclaimed.FindIndex(m => matches(m));
            if (waiting >= 0)
            {
                var message = _unclaimed[waiting];
                _unclaimed.RemoveAt(waiting);
                return message;
            }

            if (_completed.Task.IsCompleted)
            {
                throw new InvalidOperationException($"Worker {WorkerId} closed its stream.");
            }

            _waiters.Add((matches, reply));
        }

        using var registration = cancellationToken.Register(() => reply.TrySetCanceled(cancellationToken));
        return await reply.Task;
    }

    internal void Received(StreamingMessage message)
    {
        if (message.ContentCase == StreamingMessage.ContentOneofCase.RpcLog)
        {
            Logs.Enqueue(message.RpcLog);
            return;
        }

        lock (_waiters)
        {
            var waiter = _waiters.FindIndex(w => w.Matches(message));
            if (waiter < 0)
            {
                _unclaimed.Add(message);
                return;
            }

            var reply = _waiters[waiter].Reply;
            _waiters.RemoveAt(waiter);
            reply.TrySetResult(message);
        }
    }

    public void Dispose() => _writeLock.Dispose();

    internal void Complete()
    {
        lock (_waiters)
        {
            _completed.TrySetResult();
            foreach (var (_, reply) in _waiters)
            {
                reply.TrySetException(new InvalidOperationException($"Worker {WorkerId} closed its stream."));
            }

            _waiters.Clear();
        }
    }
}
