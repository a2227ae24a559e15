using System.Globalization;
using Microsoft.Azure.Functions.Worker;
using OssCopy.AzureStorage;
using OssCopy.AzureStorage.DistributedBackupRun;
using OssCopy.Core.Backup;

namespace OssCopy.Functions.Backups;

/// <summary>
/// The distributed run's queue triggers: list steps, copy batches, and their poison queues, each handed to the run's
/// handler with the delivery's dequeue count. A handler that throws leaves the message to the host, which delivers
/// it again and, after <c>queues.maxDequeueCount</c> (host.json) failures, moves it to <c>{queue}-poison</c>, where
/// the poison trigger records its objects as failed (copy) or fails the run (list), so every run ends.
/// </summary>
public sealed class BackupQueueFunctions
{
    /// <summary>Equals <see cref="AzureStorageOptions.ListQueue"/>'s default (checked at start by <see cref="TriggerQueuesValidator"/>).</summary>
    public const string ListQueue = "osscopy-list";

    /// <summary>Equals <see cref="AzureStorageOptions.CopyQueue"/>'s default.</summary>
    public const string CopyQueue = "osscopy-copy";

    /// <summary>Where the host moves a message that failed <c>maxDequeueCount</c> times.</summary>
    public const string ListPoisonQueue = ListQueue + "-poison";

    public const string CopyPoisonQueue = CopyQueue + "-poison";

    /// <summary>The storage connection setting, as <see cref="AzureStorageOptions.Connection"/>'s default.</summary>
    public const string Connection = "AzureWebJobsStorage";

    private readonly ListStepHandler _listSteps;
    private readonly CopyBatchHandler _copyBatches;

    public BackupQueueFunctions(ListStepHandler listSteps, CopyBatchHandler copyBatches)
    {
        _listSteps = listSteps ?? throw new ArgumentNullException(nameof(listSteps));
        _copyBatches = copyBatches ?? throw new ArgumentNullException(nameof(copyBatches));
    }

    [Function("BackupListStep")]
    public Task ListStepAsync([QueueTrigger(ListQueue, Connection = Connection)] string message, FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return HandleListStepAsync(message, DequeueCount(context), context.CancellationToken);
    }

    [Function("BackupCopyBatch")]
    public Task CopyBatchAsync([QueueTrigger(CopyQueue, Connection = Connection)] string message, FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return HandleCopyBatchAsync(message, DequeueCount(context), context.CancellationToken);
    }

    [Function("BackupListStepPoison")]
    public Task ListStepPoisonAsync([QueueTrigger(ListPoisonQueue, Connection = Connection)] string message, FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return HandleListStepPoisonAsync(message, context.CancellationToken);
    }

    [Function("BackupCopyBatchPoison")]
    public Task CopyBatchPoisonAsync([QueueTrigger(CopyPoisonQueue, Connection = Connection)] string message, FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return HandleCopyBatchPoisonAsync(message, context.CancellationToken);
    }

    /// <summary>One delivery of a list step (the message text as the host passes it, already Base64-decoded).</summary>
    public Task HandleListStepAsync(string message, long dequeueCount, CancellationToken cancellationToken) =>
        _listSteps.HandleAsync(Decode<ListStepMessage>(message), dequeueCount, cancellationToken);

    public Task HandleCopyBatchAsync(string message, long dequeueCount, CancellationToken cancellationToken) =>
        _copyBatches.HandleAsync(Decode<CopyBatchMessage<CopyWorkItem>>(message), dequeueCount, cancellationToken);

    public Task HandleListStepPoisonAsync(string message, CancellationToken cancellationToken) =>
        _listSteps.HandlePoisonAsync(Decode<ListStepMessage>(message), new PoisonMessageException(ListQueue, ListPoisonQueue), cancellationToken);

    public Task HandleCopyBatchPoisonAsync(string message, CancellationToken cancellationToken) =>
        _copyBatches.HandlePoisonAsync(Decode<CopyBatchMessage<CopyWorkItem>>(message), new PoisonMessageException(CopyQueue, CopyPoisonQueue), cancellationToken);

    /// <summary>
    /// The delivery's dequeue count from the trigger metadata the host sends with a queue message (<c>DequeueCount</c>,
    /// a JSON number); 1 when absent, as for a first delivery.
    /// </summary>
    public static long DequeueCount(FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.BindingContext.BindingData.TryGetValue("DequeueCount", out var value) || value is null)
        {
            return 1;
        }

        return value switch
        {
            long l => l,
            int i => i,
            _ => long.TryParse(value.ToString()?.Trim('"'), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed
                : throw new FormatException($"The queue message's DequeueCount '{value}' is not a number."),
        };
    }

    private static T Decode<T>(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return QueueMessageCodec.Decode<T>(BinaryData.FromString(message));
    }
}

/// <summary>What a poison handler is told: the host gave up on the message; the errors of its deliveries are in their invocations' logs.</summary>
public sealed class PoisonMessageException : Exception
{
    public PoisonMessageException(string queue, string poisonQueue)
        : base($"every delivery from {queue} failed; the Functions host moved it to {poisonQueue} (the errors are in the invocations' logs)")
    {
    }

    public PoisonMessageException()
    {
    }

    public PoisonMessageException(string message)
        : base(message)
    {
    }

    public PoisonMessageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
