using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OssCopy.Functions.Backups;

namespace OssCopy.Functions.Tests.Support;

/// <summary>
/// Plays the Functions host's queue listener over the real Azurite queues the triggers name: receives messages, calls
/// the app's queue function with the message text and a context carrying its <c>DequeueCount</c>, deletes the message
/// when the function returns, makes it visible again when it throws, and after <see cref="MaxDequeueCount"/> failed
/// deliveries moves it to <c>{queue}-poison</c>, whose trigger then gets it (as host.json's <c>queues</c> settings say).
/// </summary>
public sealed class QueueTriggerHost
{
    /// <summary>host.json's <c>queues.maxDequeueCount</c>.</summary>
    public const int MaxDequeueCount = 5;

    private readonly IHost _app;
    private readonly IReadOnlyList<(QueueClient Queue, QueueClient? Poison, Func<BackupQueueFunctions, string, FunctionContextFactory, Task> Run)> _triggers;

    public QueueTriggerHost(IHost app, Func<string, QueueClient> queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        _app = app;
        _triggers =
        [
            (queue(BackupQueueFunctions.ListQueue), queue(BackupQueueFunctions.ListPoisonQueue), (f, m, c) => f.ListStepAsync(m, c())),
            (queue(BackupQueueFunctions.CopyQueue), queue(BackupQueueFunctions.CopyPoisonQueue), (f, m, c) => f.CopyBatchAsync(m, c())),
            (queue(BackupQueueFunctions.ListPoisonQueue), null, (f, m, c) => f.ListStepPoisonAsync(m, c())),
            (queue(BackupQueueFunctions.CopyPoisonQueue), null, (f, m, c) => f.CopyBatchPoisonAsync(m, c())),
        ];
    }

    private delegate Microsoft.Azure.Functions.Worker.FunctionContext FunctionContextFactory();

    public int Invocations { get; private set; }

    /// <summary>Deliveries from this queue get an invocation that is already cancelled (a host shutting down or timing out each time).</summary>
    public string? CancelDeliveriesFrom { get; set; }

    public int Failures { get; private set; }

    /// <summary>Delivers messages until <paramref name="done"/> says so; throws with what happened when <paramref name="timeout"/> passes.</summary>
    public async Task RunUntilAsync(Func<Task<bool>> done, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(done);
        foreach (var (queue, _, _) in _triggers)
        {
            await queue.CreateIfNotExistsAsync();
        }

        var deadline = DateTime.UtcNow + timeout;
        while (!await done())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Not done after {timeout}: {Invocations} invocations, {Failures} failed.");
            }

            if (await PumpOnceAsync() == 0)
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>One receive from every trigger's queue; the number of messages delivered.</summary>
    public async Task<int> PumpOnceAsync()
    {
        var delivered = 0;
        foreach (var (queue, poison, run) in _triggers)
        {
            QueueMessage[] messages = (await queue.ReceiveMessagesAsync(16, TimeSpan.FromSeconds(30))).Value;
            // Copy batches of a dequeue run side by side, as the host runs up to queues.batchSize of them.
            await Parallel.ForEachAsync(messages, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (message, _) =>
                await DeliverAsync(queue, poison, run, message));
            delivered += messages.Length;
        }

        return delivered;
    }

    private async Task DeliverAsync(QueueClient queue, QueueClient? poison, Func<BackupQueueFunctions, string, FunctionContextFactory, Task> run, QueueMessage message)
    {
        using var scope = _app.Services.CreateScope();
        var function = ActivatorUtilities.CreateInstance<BackupQueueFunctions>(scope.ServiceProvider);
        try
        {
            lock (this)
            {
                Invocations++;
            }

            await run(function, message.Body.ToString(),
                () => TestFunctionContext.ForQueueMessage(scope.ServiceProvider, message.MessageId, message.DequeueCount, message.InsertedOn,
                    queue.Name == CancelDeliveriesFrom ? new CancellationToken(canceled: true) : CancellationToken.None));
        }
        catch (Exception) when (poison is not null)
        {
            lock (this)
            {
                Failures++;
            }

            if (message.DequeueCount >= MaxDequeueCount)
            {
                await poison.SendMessageAsync(message.Body);
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            }
            else
            {
                await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero);
            }

            return;
        }

        await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
    }
}
