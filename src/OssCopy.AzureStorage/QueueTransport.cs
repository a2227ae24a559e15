using System.Globalization;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging;

namespace OssCopy.AzureStorage;

/// <summary>A message received from a queue, with how many times it has been delivered (this time included).</summary>
public sealed record ReceivedMessage(string MessageId, string PopReceipt, long DequeueCount, BinaryData Body, DateTimeOffset? InsertedOn)
{
    public T Decode<T>() => QueueMessageCodec.Decode<T>(Body);
}

/// <summary>What became of a received message.</summary>
public enum MessageDisposition
{
    /// <summary>The handler succeeded; the message is deleted.</summary>
    Completed,

    /// <summary>The handler failed; the message becomes visible again for another delivery.</summary>
    Released,

    /// <summary>Delivered too often: moved to <c>{queue}-poison</c> and the poison handler called.</summary>
    Poisoned,
}

/// <summary>
/// A queue and its poison queue, processed as the Functions queue trigger does: a handler that throws leaves the
/// message for another delivery (after <c>visibilityTimeout</c>); when a delivery fails and the message was dequeued
/// <see cref="AzureStorageOptions.MaxDequeueCount"/> times, or a message arrives already dequeued more often (its
/// worker died), it is copied to the poison queue and deleted, and the poison handler gets it with the last error.
/// While a handler runs, its message is kept hidden (renewed every half <see cref="ProcessingVisibility"/>), as the
/// host keeps a running function's message.
/// Functions do this themselves; this class is the same contract for tests and for hosts without the runtime.
/// </summary>
public sealed partial class QueueTransport
{
    private readonly QueueClient _queue;
    private readonly QueueClient _poison;
    private readonly int _maxDequeueCount;
    private readonly ILogger _logger;

    public QueueTransport(AzureStorageClients clients, string queueName, int maxDequeueCount, ILogger<QueueTransport> logger)
    {
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentException.ThrowIfNullOrEmpty(queueName);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDequeueCount, 1);
        _queue = clients.Queues.GetQueueClient(queueName);
        _poison = clients.Queues.GetQueueClient(queueName + "-poison");
        _maxDequeueCount = maxDequeueCount;
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    public string Name => _queue.Name;

    public string PoisonName => _poison.Name;

    /// <summary>Visibility after a failed delivery (the host's <c>queues.visibilityTimeout</c>, default 0).</summary>
    public TimeSpan RetryVisibility { get; init; } = TimeSpan.Zero;

    /// <summary>How long a received message stays hidden while its handler runs.</summary>
    public TimeSpan ProcessingVisibility { get; init; } = TimeSpan.FromMinutes(10);

    public async Task CreateIfNotExistsAsync(CancellationToken cancellationToken)
    {
        await _queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await _poison.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
    }

    /// <summary>Sends a message; <paramref name="delay"/> keeps it invisible that long (a retry later, a heartbeat check).</summary>
    public async Task<string> SendAsync(BinaryData body, TimeSpan? delay, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        var receipt = await _queue.SendMessageAsync(body, delay, timeToLive: TimeSpan.FromSeconds(-1), cancellationToken);
        return receipt.Value.MessageId;
    }

    public Task<string> SendAsync<T>(T message, TimeSpan? delay, CancellationToken cancellationToken) =>
        SendAsync(QueueMessageCodec.Encode(message), delay, cancellationToken);

    /// <summary>
    /// Receives up to <paramref name="maxMessages"/> messages and processes them one after another; returns what
    /// happened to each (empty when the queue had none visible).
    /// </summary>
    public async Task<IReadOnlyList<MessageDisposition>> ProcessAsync(
        Func<ReceivedMessage, CancellationToken, Task> handler,
        Func<ReceivedMessage, Exception?, CancellationToken, Task>? onPoison,
        int maxMessages,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var messages = await ReceiveAsync(maxMessages, cancellationToken);
        var results = new List<MessageDisposition>(messages.Count);
        foreach (var message in messages)
        {
            results.Add(await ProcessReceivedAsync(message, handler, onPoison, cancellationToken));
        }

        return results;
    }

    /// <summary>Receives up to <paramref name="maxMessages"/> (1–32) messages, hidden for <see cref="ProcessingVisibility"/>, to process later.</summary>
    public async Task<IReadOnlyList<ReceivedMessage>> ReceiveAsync(int maxMessages, CancellationToken cancellationToken)
    {
        var messages = await _queue.ReceiveMessagesAsync(maxMessages, ProcessingVisibility, cancellationToken);
        return [.. messages.Value.Select(m => new ReceivedMessage(m.MessageId, m.PopReceipt, m.DequeueCount, m.Body, m.InsertedOn))];
    }

    /// <summary>Processes a message from <see cref="ReceiveAsync"/> with the trigger's contract (see <see cref="ProcessAsync"/>).</summary>
    public Task<MessageDisposition> ProcessReceivedAsync(
        ReceivedMessage message,
        Func<ReceivedMessage, CancellationToken, Task> handler,
        Func<ReceivedMessage, Exception?, CancellationToken, Task>? onPoison,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(handler);
        return ProcessOneAsync(message, handler, onPoison, cancellationToken);
    }

    /// <summary>
    /// Keeps a received message hidden while it waits its turn in a worker's buffer (renewed as a running handler's
    /// is): a prefetched message that outlived its visibility there would be received again elsewhere, and every
    /// receipt counts towards the poison threshold although no delivery failed. <see cref="HeldMessage.TakeAsync"/>
    /// stops holding it and gives it back with its latest pop receipt.
    /// </summary>
    public HeldMessage Hold(ReceivedMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var receipt = new StrongBox<string>(message.PopReceipt);
        var stop = new CancellationTokenSource();
        return new HeldMessage(message, receipt, stop, KeepHiddenAsync(message.MessageId, receipt, stop.Token));
    }

    /// <summary>Makes a received message that will not be processed here visible again at once (its delivery still counts).</summary>
    public async Task ReleaseAsync(ReceivedMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        await _queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero, cancellationToken: cancellationToken);
    }

    /// <summary>Messages in the poison queue (peeked, not removed), for checks and operators.</summary>
    public async Task<IReadOnlyList<BinaryData>> PeekPoisonAsync(int maxMessages, CancellationToken cancellationToken)
    {
        var peeked = await _poison.PeekMessagesAsync(maxMessages, cancellationToken);
        return [.. peeked.Value.Select(m => m.Body)];
    }

    public async Task<int> ApproximateCountAsync(CancellationToken cancellationToken) =>
        (await _queue.GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount;

    private async Task<MessageDisposition> ProcessOneAsync(
        ReceivedMessage message,
        Func<ReceivedMessage, CancellationToken, Task> handler,
        Func<ReceivedMessage, Exception?, CancellationToken, Task>? onPoison,
        CancellationToken cancellationToken)
    {
        var received = message;
        if (message.DequeueCount > _maxDequeueCount)
        {
            // Delivered more often than allowed without ever failing here: its worker died mid-way each time.
            await PoisonAsync(received, null, onPoison, cancellationToken);
            return MessageDisposition.Poisoned;
        }

        Exception? error;
        var receipt = new StrongBox<string>(message.PopReceipt);
        try
        {
            await HandleKeepingHiddenAsync(received, handler, receipt, cancellationToken);
            await _queue.DeleteMessageAsync(message.MessageId, receipt.Value, cancellationToken);
            return MessageDisposition.Completed;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            error = e;
        }

        received = received with { PopReceipt = receipt.Value! };

        if (message.DequeueCount >= _maxDequeueCount)
        {
            await PoisonAsync(received, error, onPoison, cancellationToken);
            return MessageDisposition.Poisoned;
        }

        Log.DeliveryFailed(_logger, _queue.Name, message.MessageId, message.DequeueCount, error.GetType().Name);
        await _queue.UpdateMessageAsync(message.MessageId, received.PopReceipt, visibilityTimeout: RetryVisibility, cancellationToken: cancellationToken);
        return MessageDisposition.Released;
    }

    /// <summary>
    /// Runs the handler while keeping the message hidden, as the Functions host does for a running function: its
    /// visibility is renewed every half <see cref="ProcessingVisibility"/>, so a slow handler on a loaded machine is not
    /// joined by a second delivery of its message (nor pushed to poison by deliveries that never failed). A renewal
    /// changes the pop receipt; <paramref name="receipt"/> holds the latest, for the delete.
    /// </summary>
    private async Task HandleKeepingHiddenAsync(ReceivedMessage message, Func<ReceivedMessage, CancellationToken, Task> handler, StrongBox<string> receipt,
        CancellationToken cancellationToken)
    {
        using var stop = new CancellationTokenSource();
        var renewal = KeepHiddenAsync(message.MessageId, receipt, stop.Token);
        try
        {
            await handler(message, cancellationToken);
        }
        finally
        {
            await stop.CancelAsync();
            await renewal;
        }
    }

    /// <summary>Renews the message's visibility every half period until stopped; false when another delivery took it meanwhile.</summary>
    private async Task<bool> KeepHiddenAsync(string messageId, StrongBox<string> receipt, CancellationToken stop)
    {
        while (true)
        {
            try
            {
                await Task.Delay(ProcessingVisibility / 2, stop);
            }
            catch (OperationCanceledException)
            {
                return true;
            }

            try
            {
                // Not cancelled with the handler: an update the service applied must leave its receipt here for the delete.
                var updated = await _queue.UpdateMessageAsync(messageId, receipt.Value, visibilityTimeout: ProcessingVisibility, cancellationToken: CancellationToken.None);
                receipt.Value = updated.Value.PopReceipt;
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                // Visible again before this renewal and taken by another delivery: the handlers are idempotent; stop here.
                Log.VisibilityLost(_logger, _queue.Name, messageId);
                return false;
            }
            catch (RequestFailedException ex)
            {
                // Tried again at the next interval; half the visibility is left before the message shows again.
                Log.VisibilityNotRenewed(_logger, _queue.Name, messageId, ex.ErrorCode ?? ex.Status.ToString(CultureInfo.InvariantCulture));
            }
        }
    }

    private async Task PoisonAsync(ReceivedMessage message, Exception? error, Func<ReceivedMessage, Exception?, CancellationToken, Task>? onPoison, CancellationToken cancellationToken)
    {
        Log.Poisoned(_logger, _queue.Name, message.MessageId, message.DequeueCount, _poison.Name);

        // The handler first: if it fails the message stays, is delivered again, and the handler gets another chance.
        if (onPoison is not null)
        {
            await onPoison(message, error, cancellationToken);
        }

        await _poison.SendMessageAsync(message.Body, timeToLive: TimeSpan.FromSeconds(-1), cancellationToken: cancellationToken);
        await _queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Message {MessageId} of queue {Queue} failed on delivery {DequeueCount} ({ErrorType}); it will be delivered again.")]
        public static partial void DeliveryFailed(ILogger logger, string queue, string messageId, long dequeueCount, string errorType);

        [LoggerMessage(2, LogLevel.Error, "Message {MessageId} of queue {Queue} was delivered {DequeueCount} times; moved to {PoisonQueue}.")]
        public static partial void Poisoned(ILogger logger, string queue, string messageId, long dequeueCount, string poisonQueue);

        [LoggerMessage(3, LogLevel.Warning, "Message {MessageId} of queue {Queue} became visible before its handler finished and was taken by another delivery.")]
        public static partial void VisibilityLost(ILogger logger, string queue, string messageId);

        [LoggerMessage(4, LogLevel.Warning, "Message {MessageId} of queue {Queue}: renewing its visibility failed ({ErrorCode}); tried again.")]
        public static partial void VisibilityNotRenewed(ILogger logger, string queue, string messageId, string errorCode);
    }
}

/// <summary>A received message kept hidden while it waits to be processed (<see cref="QueueTransport.Hold"/>).</summary>
public sealed class HeldMessage
{
    private readonly ReceivedMessage _message;
    private readonly StrongBox<string> _receipt;
    private readonly CancellationTokenSource _stop;
    private readonly Task<bool> _holding;

    internal HeldMessage(ReceivedMessage message, StrongBox<string> receipt, CancellationTokenSource stop, Task<bool> holding)
    {
        _message = message;
        _receipt = receipt;
        _stop = stop;
        _holding = holding;
    }

    /// <summary>Stops holding the message: it with its latest pop receipt, or null when it became visible meanwhile and another delivery took it.</summary>
    public async Task<ReceivedMessage?> TakeAsync()
    {
        using (_stop)
        {
            await _stop.CancelAsync();
            return await _holding ? _message with { PopReceipt = _receipt.Value! } : null;
        }
    }
}
