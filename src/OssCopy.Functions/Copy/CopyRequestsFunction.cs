using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace OssCopy.Functions.Copy;

/// <summary>
/// The queue side of queued copies (202 webhook copies and OSS event copies): each message names a recorded copy,
/// which <see cref="AsyncCopyRunner"/> runs at most once. A copy that failed for now throws, so the host delivers the
/// message again; after <c>maxDequeueCount</c> deliveries the host moves it to the poison queue, whose function
/// records the copy Failed.
/// </summary>
public sealed class CopyRequestsFunction
{
    private readonly AsyncCopyRunner _runner;
    private readonly ILogger<CopyRequestsFunction> _logger;

    public CopyRequestsFunction(AsyncCopyRunner runner, ILogger<CopyRequestsFunction> logger)
    {
        _runner = runner ?? throw new ArgumentNullException(nameof(runner));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    [Function("CopyRequests")]
    public async Task RunAsync(
        [QueueTrigger(AsyncCopyNames.Queue, Connection = AsyncCopyNames.Connection)] string message,
        CancellationToken cancellationToken)
    {
        if (Parse(message) is { } id)
        {
            await _runner.RunAsync(id, cancellationToken);
        }
    }

    [Function("CopyRequestsPoison")]
    public async Task RunPoisonAsync(
        [QueueTrigger(AsyncCopyNames.PoisonQueue, Connection = AsyncCopyNames.Connection)] string message,
        CancellationToken cancellationToken)
    {
        if (Parse(message) is { } id)
        {
            await _runner.GiveUpAsync(id, cancellationToken);
        }
    }

    // A message that is not ours is dropped (logged), not retried: no delivery would make it readable.
    private string? Parse(string? message)
    {
        if (message is not null && CopyRequestMessage.Parse(message) is { } parsed && AsyncCopyRunner.IsValidId(parsed.Id))
        {
            return parsed.Id;
        }

        AsyncCopyLog.BadMessage(_logger, message?.Length ?? 0);
        return null;
    }
}
