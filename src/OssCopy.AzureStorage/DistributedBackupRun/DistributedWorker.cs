using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OssCopy.Core.Backup;

namespace OssCopy.AzureStorage.DistributedBackupRun;

/// <summary>
/// A worker without the Functions runtime: one receiver takes up to 32 messages per request from the list queue (first:
/// listing feeds the copies) and then the copy queue into a buffer as deep as there are loops, and <c>parallel</c>
/// loops (plus one for list steps alone) hand them one at a time to <see cref="ListStepHandler"/> or
/// <see cref="CopyBatchHandler"/>, with the queue trigger's contract (<see cref="QueueTransport"/>: a handler that
/// throws leaves the message for another delivery; too many deliveries make it poison and call the poison handler).
/// While a batch is being copied the worker renews its run's heartbeat, so a long batch is not taken for a dead run.
/// Cancelling stops taking messages; a batch under way finishes its copies in flight and is left in the queue.
/// </summary>
public sealed partial class DistributedWorker
{
    private readonly ListStepHandler _lists;
    private readonly CopyBatchHandler _copies;
    private readonly QueueTransport _listQueue;
    private readonly QueueTransport _copyQueue;
    private readonly RunStore _runs;
    private readonly AzureStorageOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<(string Plan, string RunId), int> _busy = new();

    public DistributedWorker(
        ListStepHandler lists,
        CopyBatchHandler copies,
        [FromKeyedServices(StorageQueues.List)] QueueTransport listQueue,
        [FromKeyedServices(StorageQueues.Copy)] QueueTransport copyQueue,
        RunStore runs,
        IOptions<AzureStorageOptions> options,
        TimeProvider time,
        ILogger<DistributedWorker> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _lists = lists ?? throw new ArgumentNullException(nameof(lists));
        _copies = copies ?? throw new ArgumentNullException(nameof(copies));
        _listQueue = listQueue ?? throw new ArgumentNullException(nameof(listQueue));
        _copyQueue = copyQueue ?? throw new ArgumentNullException(nameof(copyQueue));
        _runs = runs ?? throw new ArgumentNullException(nameof(runs));
        _options = options.Value;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>The longest pause between looks at empty queues.</summary>
    public TimeSpan MaxIdleDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Processes messages with <paramref name="parallel"/> loops until cancelled; returns then (never throws for the cancellation).</summary>
    public async Task RunAsync(int parallel, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parallel, 1);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var heartbeat = HeartbeatLoopAsync(stop.Token);

        // One receiver fetches up to a handful of messages per request (list steps first) into a buffer as deep as
        // the loops are many; the loops take from it. Fewer receive requests, and no loop waits for one.
        // List steps also have a loop of their own: they are short and feed every copy, so none waits behind batches.
        var buffer = Channel.CreateBounded<(QueueTransport Queue, HeldMessage Message)>(new BoundedChannelOptions(parallel) { SingleWriter = true });
        var steps = Channel.CreateBounded<(QueueTransport Queue, HeldMessage Message)>(new BoundedChannelOptions(1) { SingleWriter = true });
        try
        {
            await Task.WhenAll(
            [
                ReceiveLoopAsync(buffer, [_listQueue, _copyQueue], parallel, MaxIdleDelay, cancellationToken),
                ReceiveLoopAsync(steps, [_listQueue], 1, TimeSpan.FromTicks(Math.Min(MaxIdleDelay.Ticks, MaxStepIdleDelay.Ticks)), cancellationToken),
                HandleLoopAsync(steps.Reader, cancellationToken),
                .. Enumerable.Range(0, parallel).Select(_ => HandleLoopAsync(buffer.Reader, cancellationToken)),
            ]);
        }
        finally
        {
            await stop.CancelAsync();
            await heartbeat;
        }
    }

    /// <summary>Takes and handles at most one list step and one copy batch; true when there was any.</summary>
    public async Task<bool> ProcessOnceAsync(CancellationToken cancellationToken)
    {
        var listed = await _listQueue.ProcessAsync(HandleListAsync, PoisonListAsync, 1, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        var copied = await _copyQueue.ProcessAsync(HandleCopyAsync, PoisonCopyAsync, 1, cancellationToken);
        return listed.Count + copied.Count > 0;
    }

    private async Task ReceiveLoopAsync(Channel<(QueueTransport Queue, HeldMessage Message)> buffer, QueueTransport[] queues, int depth, TimeSpan maxIdle,
        CancellationToken cancellationToken)
    {
        var idle = TimeSpan.FromMilliseconds(20);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var received = 0;
                try
                {
                    if (!await buffer.Writer.WaitToWriteAsync(cancellationToken))
                    {
                        return;
                    }

                    foreach (var queue in queues)
                    {
                        var room = Math.Min(MaxReceive, depth - buffer.Reader.Count);
                        if (room <= 0)
                        {
                            break;
                        }

                        foreach (var message in await queue.ReceiveAsync(room, cancellationToken))
                        {
                            await buffer.Writer.WriteAsync((queue, queue.Hold(message)), CancellationToken.None);
                            received++;
                        }
                    }
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    // The storage service itself failed (a handler's failure is the transport's business): pause, go on.
                    Log.LoopFailed(_logger, ex.GetType().Name, ex.Message);
                }

                if (received > 0)
                {
                    idle = TimeSpan.FromMilliseconds(20);
                    continue;
                }

                try
                {
                    await Task.Delay(idle, _time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                idle = TimeSpan.FromMilliseconds(Math.Min(idle.TotalMilliseconds * 2, maxIdle.TotalMilliseconds));
            }
        }
        finally
        {
            buffer.Writer.TryComplete();
        }
    }

    private async Task HandleLoopAsync(ChannelReader<(QueueTransport Queue, HeldMessage Message)> buffer, CancellationToken cancellationToken)
    {
        await foreach (var (queue, held) in buffer.ReadAllAsync(CancellationToken.None))
        {
            try
            {
                if (await held.TakeAsync() is not { } message)
                {
                    // It outlived its visibility in the buffer after all and another delivery has it.
                    continue;
                }

                if (cancellationToken.IsCancellationRequested)
                {
                    // Received but not started: visible again at once for the next worker.
                    await queue.ReleaseAsync(message, CancellationToken.None);
                    continue;
                }

                if (ReferenceEquals(queue, _listQueue))
                {
                    await queue.ProcessReceivedAsync(message, HandleListAsync, PoisonListAsync, cancellationToken);
                }
                else
                {
                    await queue.ProcessReceivedAsync(message, HandleCopyAsync, PoisonCopyAsync, cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Stopped mid-message: it stays in the queue and reappears.
            }
            catch (Exception ex)
            {
                Log.LoopFailed(_logger, ex.GetType().Name, ex.Message);
            }
        }
    }

    // A list step waits at most this long to be picked up: a run's listing is a chain of steps, each sent by the last.
    private static readonly TimeSpan MaxStepIdleDelay = TimeSpan.FromMilliseconds(100);

    // The queue service returns at most 32 messages per receive.
    private const int MaxReceive = 32;

    private Task HandleListAsync(ReceivedMessage message, CancellationToken cancellationToken) =>
        _lists.HandleAsync(message.Decode<ListStepMessage>(), message.DequeueCount, cancellationToken);

    private async Task HandleCopyAsync(ReceivedMessage message, CancellationToken cancellationToken)
    {
        var batch = message.Decode<CopyBatchMessage<CopyWorkItem>>();
        var key = (batch.Plan, batch.RunId);
        _busy.AddOrUpdate(key, 1, (_, n) => n + 1);
        try
        {
            await _copies.HandleAsync(batch, message.DequeueCount, cancellationToken);
        }
        finally
        {
            _busy.AddOrUpdate(key, 0, (_, n) => n - 1);
        }
    }

    private async Task PoisonListAsync(ReceivedMessage message, Exception? error, CancellationToken cancellationToken)
    {
        if (TryDecode<ListStepMessage>(message) is { } step)
        {
            await _lists.HandlePoisonAsync(step, error, cancellationToken);
        }
    }

    private async Task PoisonCopyAsync(ReceivedMessage message, Exception? error, CancellationToken cancellationToken)
    {
        if (TryDecode<CopyBatchMessage<CopyWorkItem>>(message) is { } batch)
        {
            await _copies.HandlePoisonAsync(batch, error, cancellationToken);
        }
    }

    private T? TryDecode<T>(ReceivedMessage message)
        where T : class
    {
        try
        {
            return message.Decode<T>();
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException or NotSupportedException)
        {
            // Nothing to account for in a message that is not ours: the poison queue keeps it for an operator.
            Log.Undecodable(_logger, message.MessageId, typeof(T).Name);
            return null;
        }
    }

    private async Task HeartbeatLoopAsync(CancellationToken cancellationToken)
    {
        var period = TimeSpan.FromTicks(Math.Max(_options.StalePeriod.Ticks / 3, TimeSpan.FromSeconds(1).Ticks));
        using var timer = new PeriodicTimer(period, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                foreach (var ((plan, runId), count) in _busy)
                {
                    if (count <= 0)
                    {
                        _busy.TryRemove(new KeyValuePair<(string, string), int>((plan, runId), count));
                        continue;
                    }

                    try
                    {
                        await _runs.HeartbeatAsync(plan, runId, cancellationToken);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        Log.HeartbeatFailed(_logger, plan, runId, ex.GetType().Name);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped with the worker.
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "The worker could not reach its queues ({ErrorType}: {Message}); trying again.")]
        public static partial void LoopFailed(ILogger logger, string errorType, string message);

        [LoggerMessage(2, LogLevel.Error, "Poison message {MessageId} is not a {Type}; left in the poison queue.")]
        public static partial void Undecodable(ILogger logger, string messageId, string type);

        [LoggerMessage(3, LogLevel.Warning, "The heartbeat of run {RunId} of plan {Plan} failed ({ErrorType}).")]
        public static partial void HeartbeatFailed(ILogger logger, string plan, string runId, string errorType);
    }
}
