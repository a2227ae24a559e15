using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using OssCopy.Functions.ProcessTests.Protocol;

namespace OssCopy.Functions.ProcessTests.Host;

/// <summary>
/// The host's queue listener for one queue trigger: receives messages from the real queue the function names (its
/// <c>queueName</c> binding), invokes the function in the worker with the message text and its properties as
/// trigger metadata (<see cref="TriggerInvocations.Queue"/>), deletes the message when the invocation succeeds,
/// makes it visible again when it fails, and after <see cref="MaxDequeueCount"/> failed deliveries moves it to
/// <c>{queue}-poison</c> (host.json's <c>queues</c> settings).
/// </summary>
public sealed class QueueTriggerListener
{
    /// <summary>host.json's <c>queues.maxDequeueCount</c>.</summary>
    public const int MaxDequeueCount = 5;

    private readonly FunctionsTestHost _host;
    private readonly RpcFunctionMetadata _function;
    private readonly QueueClient _queue;
    private readonly QueueClient _poison;

    /// <summary>A listener for <paramref name="functionName"/>'s queue in <paramref name="queues"/> (Base64 message encoding, as host.json's <c>messageEncoding</c>).</summary>
    public QueueTriggerListener(FunctionsTestHost host, string functionName, QueueServiceClient queues)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(queues);
        _host = host;
        _function = host.Function(functionName);
        var queueName = QueueName(_function);
        _queue = queues.GetQueueClient(queueName);
        _poison = queues.GetQueueClient(queueName + "-poison");
    }

    public string Queue => _queue.Name;

    /// <summary>Invocations that did not succeed, with the worker's error: for assertion messages.</summary>
    public List<string> Failures { get; } = [];

    public int Invocations { get; private set; }

    /// <summary>Receives once and delivers what came, one invocation per message; the number delivered.</summary>
    public async Task<int> PumpOnceAsync(CancellationToken cancellationToken = default)
    {
        await _queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        QueueMessage[] messages = (await _queue.ReceiveMessagesAsync(16, TimeSpan.FromSeconds(30), cancellationToken)).Value;
        await Parallel.ForEachAsync(messages, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken },
            async (message, ct) => await DeliverAsync(message, ct));
        return messages.Length;
    }

    private async Task DeliverAsync(QueueMessage message, CancellationToken cancellationToken)
    {
        var properties = new QueueMessageProperties(message.MessageId, message.PopReceipt, message.DequeueCount, message.InsertedOn ?? DateTimeOffset.UtcNow,
            message.ExpiresOn ?? DateTimeOffset.UtcNow.AddDays(7), message.NextVisibleOn ?? DateTimeOffset.UtcNow);
        // The host decodes the Base64 the queue holds and passes the text (the queue client here decodes it the same way).
        var response = await _host.InvokeAsync(TriggerInvocations.Queue(_function, message.Body.ToString(), properties), cancellationToken);
        lock (Failures)
        {
            Invocations++;
        }

        if (response.Result.Status == StatusResult.Types.Status.Success)
        {
            await _queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
            return;
        }

        lock (Failures)
        {
            Failures.Add($"{_function.Name} delivery {message.DequeueCount} of {message.MessageId}: {response.Result.Exception?.Message}");
        }

        if (message.DequeueCount >= MaxDequeueCount)
        {
            await _poison.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            await _poison.SendMessageAsync(message.Body, cancellationToken: cancellationToken);
            await _queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
        }
        else
        {
            await _queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero, cancellationToken: cancellationToken);
        }
    }

    private static string QueueName(RpcFunctionMetadata function)
    {
        foreach (var raw in function.RawBindings)
        {
            using var binding = System.Text.Json.JsonDocument.Parse(raw);
            if (string.Equals(binding.RootElement.GetProperty("type").GetString(), "queueTrigger", StringComparison.OrdinalIgnoreCase))
            {
                return binding.RootElement.GetProperty("queueName").GetString()!;
            }
        }

        throw new InvalidOperationException($"Function {function.Name} has no queue trigger: {string.Join(", ", function.RawBindings)}");
    }
}
