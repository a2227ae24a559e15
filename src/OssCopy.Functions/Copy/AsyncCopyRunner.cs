using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OssCopy.Core.Copying;
using OssCopy.Functions.Events;
using OssCopy.Functions.Http;
using OssCopy.Functions.Internal;

namespace OssCopy.Functions.Copy;

/// <summary>
/// Queued copies from acceptance to outcome. A copy is recorded once (insert-if-absent) and queued; a worker takes it
/// up only by a conditional write (Accepted → Running, or a Running copy whose lease ran out), runs the engine, and
/// records the outcome, mapped as the 200 path maps it, conditionally again: a redelivered message finds the copy
/// running or done and copies nothing. A failure that may pass (5xx, throttling) puts the copy back to Accepted and
/// throws, so the queue delivers it again; the poison handler records the last failure.
/// </summary>
public sealed class AsyncCopyRunner
{
    private static readonly TimeSpan DeferMargin = TimeSpan.FromSeconds(1);

    private readonly CopyStateStore _store;
    private readonly CopyRequestSender _queue;
    private readonly CopyOrchestrator _orchestrator;
    private readonly AsyncCopyOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<AsyncCopyRunner> _logger;

    public AsyncCopyRunner(CopyStateStore store, CopyRequestSender queue, CopyOrchestrator orchestrator, IOptions<AsyncCopyOptions> options,
        TimeProvider time, ILogger<AsyncCopyRunner> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _queue = queue ?? throw new ArgumentNullException(nameof(queue));
        _orchestrator = orchestrator ?? throw new ArgumentNullException(nameof(orchestrator));
        _options = options.Value;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    public static string NewId() => Guid.NewGuid().ToString("N");

    /// <summary>Ids are ours: lowercase letters and digits, so anything else is refused before storage is asked.</summary>
    public static bool IsValidId(string? id) =>
        id is { Length: >= 1 and <= 64 } && id.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9'));

    public static string LocationOf(string id) => "/api/copy/" + id;

    /// <summary>Records <paramref name="request"/> as copy <paramref name="id"/> and queues it; an id recorded before is returned as it stands.</summary>
    public async Task<CopyRecord> AcceptAsync(string id, CopyOrigin origin, CopyRequest request, string reason, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var record = new CopyRecord
        {
            Id = id, Origin = origin, RequestJson = Serialize(request), Status = CopyRunStatus.Accepted, CreatedAt = now, UpdatedAt = now,
        };
        if (!await _store.TryCreateAsync(record, cancellationToken))
        {
            record = await _store.GetAsync(id, cancellationToken) ?? throw new InvalidOperationException($"Copy {id} exists and cannot be read.");
            if (record.Status != CopyRunStatus.Accepted)
            {
                AsyncCopyLog.AlreadyHandled(_logger, id, record.Status);
                return record;
            }

            // Accepted but perhaps never queued (the delivery that recorded it died): queue it again; the claim keeps it to one run.
        }

        await _queue.SendAsync(id, delay: null, cancellationToken);
        AsyncCopyLog.Accepted(_logger, id, origin, reason);
        return record;
    }

    /// <summary>
    /// A copy the request started is taking too long to answer: records it Running, held by the request under a lease,
    /// and queues a message that shows up when the lease ends, to take the copy over should this worker die first.
    /// </summary>
    public async Task<string> HandOverAsync(string id, CopyRequest request, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var attempt = "request:" + Guid.NewGuid().ToString("N");
        var record = new CopyRecord
        {
            Id = id, Origin = CopyOrigin.Webhook, RequestJson = Serialize(request), Status = CopyRunStatus.Running, Attempt = attempt,
            LeaseUntil = now + _options.CopyLease, Runs = 1, CreatedAt = now, UpdatedAt = now,
        };
        if (!await _store.TryCreateAsync(record, cancellationToken))
        {
            throw new InvalidOperationException($"Copy {id} exists already.");
        }

        await _queue.SendAsync(id, _options.CopyLease + DeferMargin, cancellationToken);
        AsyncCopyLog.Accepted(_logger, id, CopyOrigin.Webhook, "still running after Webhook:AsyncAfter");
        return attempt;
    }

    /// <summary>Records the outcome of a copy the request handed over, once it ends; a failure to retry is queued now.</summary>
    public async Task FinishHandedOverAsync(string id, string attempt, Task<JsonBodyResult> copy)
    {
        ArgumentNullException.ThrowIfNull(copy);
        try
        {
            var answer = await copy;
            var record = await _store.GetAsync(id, CancellationToken.None);
            if (record is null || record.IsFinal || !string.Equals(record.Attempt, attempt, StringComparison.Ordinal))
            {
                AsyncCopyLog.OutcomeNotRecorded(_logger, id);
                return;
            }

            if (await RecordAsync(record, answer, outcome: null, CancellationToken.None))
            {
                await _queue.SendAsync(id, delay: null, CancellationToken.None);
            }
        }
        catch (Exception ex)
        {
            // The queued message takes the copy over when the lease ends.
            AsyncCopyLog.BackgroundFailed(_logger, ex, id);
        }
    }

    /// <summary>The queue trigger's work for one message: take the copy up if nobody holds it, run it, record the outcome.</summary>
    public async Task RunAsync(string id, CancellationToken cancellationToken)
    {
        var record = await _store.GetAsync(id, cancellationToken);
        if (record is null)
        {
            AsyncCopyLog.Unknown(_logger, id);
            return;
        }

        if (record.IsFinal)
        {
            AsyncCopyLog.AlreadyHandled(_logger, id, record.Status);
            return;
        }

        var now = _time.GetUtcNow();
        if (record.Status == CopyRunStatus.Running && record.LeaseUntil is { } lease && lease > now)
        {
            // Its holder is alive as far as we know: look again when the lease ends.
            await _queue.SendAsync(id, lease - now + DeferMargin, cancellationToken);
            AsyncCopyLog.Deferred(_logger, id, lease);
            return;
        }

        var attempt = "queue:" + Guid.NewGuid().ToString("N");
        record.Status = CopyRunStatus.Running;
        record.Attempt = attempt;
        record.LeaseUntil = now + _options.CopyLease;
        record.Runs++;
        record.UpdatedAt = now;
        if (!await _store.TryReplaceAsync(record, cancellationToken))
        {
            AsyncCopyLog.LostClaim(_logger, id);
            return;
        }

        CopyOutcome? outcome = null;
        JsonBodyResult answer;
        try
        {
            var request = JsonSerializer.Deserialize<CopyRequest>(record.RequestJson, JsonSerializerOptions.Web)
                ?? throw new InvalidOperationException($"Copy {id} has no request.");
            outcome = await _orchestrator.CopyAsync(request, cancellationToken);
            answer = CopyOutcomeMapper.Map(outcome);
        }
        catch (CopyValidationException ex)
        {
            answer = CopyOutcomeMapper.Refusal(ex);
        }
        catch
        {
            // Cancelled (the host stops) or broken: free the copy for the next delivery, then let the queue retry.
            await ReleaseAsync(record, CancellationToken.None);
            throw;
        }

        if (await RecordAsync(record, answer, outcome, cancellationToken))
        {
            throw new CopyRetryException(id, answer.StatusCode);
        }
    }

    /// <summary>The poison handler's work: the copy failed on every delivery; record it Failed with the last failure.</summary>
    public async Task GiveUpAsync(string id, CancellationToken cancellationToken)
    {
        var record = await _store.GetAsync(id, cancellationToken);
        if (record is null || record.IsFinal)
        {
            return;
        }

        record.Status = CopyRunStatus.Failed;
        record.Attempt = null;
        record.LeaseUntil = null;
        record.UpdatedAt = _time.GetUtcNow();
        record.Response ??= StoredResponseResult.Store(ProblemResult.Create(StatusCodes.Status502BadGateway, "Copy Failed",
            "The copy failed on every delivery of its queue message."));
        if (await _store.TryReplaceAsync(record, cancellationToken))
        {
            AsyncCopyLog.GaveUp(_logger, id, record.Runs);
        }
        else
        {
            AsyncCopyLog.OutcomeNotRecorded(_logger, id);
        }
    }

    /// <summary>Records the answer on the claimed <paramref name="record"/>; true when the copy is to be retried.</summary>
    private async Task<bool> RecordAsync(CopyRecord record, JsonBodyResult answer, CopyOutcome? outcome, CancellationToken cancellationToken)
    {
        EventCopyDisposition? disposition = record.Origin == CopyOrigin.Event && outcome is not null ? EventCopyClassifier.Classify(outcome) : null;
        var retry = disposition is { } d ? d == EventCopyDisposition.Retry : IsRetryable(answer.StatusCode);
        record.Response = StoredResponseResult.Store(answer);
        record.Disposition = disposition?.ToString();
        record.Attempt = null;
        record.LeaseUntil = null;
        record.UpdatedAt = _time.GetUtcNow();
        record.Status = retry ? CopyRunStatus.Accepted
            : disposition is { } e ? (e == EventCopyDisposition.Refused ? CopyRunStatus.Failed : CopyRunStatus.Succeeded)
            : answer.StatusCode < 400 ? CopyRunStatus.Succeeded : CopyRunStatus.Failed;
        if (!await _store.TryReplaceAsync(record, cancellationToken))
        {
            AsyncCopyLog.OutcomeNotRecorded(_logger, record.Id);
            return false;
        }

        if (outcome is not null && record.Origin == CopyOrigin.Event)
        {
            LogEventCopy(outcome, disposition!.Value);
        }

        if (retry)
        {
            AsyncCopyLog.WillRetry(_logger, record.Id, answer.StatusCode);
        }
        else
        {
            AsyncCopyLog.Finished(_logger, record.Id, record.Origin, record.Status, answer.StatusCode, record.Disposition);
        }

        return retry;
    }

    private async Task ReleaseAsync(CopyRecord record, CancellationToken cancellationToken)
    {
        record.Status = CopyRunStatus.Accepted;
        record.Attempt = null;
        record.LeaseUntil = null;
        record.UpdatedAt = _time.GetUtcNow();
        try
        {
            await _store.TryReplaceAsync(record, cancellationToken);
        }
        catch (Azure.RequestFailedException)
        {
            // The lease ends anyway; the next delivery takes the copy over then.
        }
    }

    private void LogEventCopy(CopyOutcome outcome, EventCopyDisposition disposition)
    {
        var source = $"oss://{outcome.SourceBucket}/{outcome.SourceKey}";
        if (disposition is EventCopyDisposition.Refused or EventCopyDisposition.Retry)
        {
            FunctionsLog.EventCopyFailed(_logger, source, outcome.Bucket, outcome.Key, outcome.Status, outcome.Error?.Code, outcome.Error?.StatusCode ?? 0,
                disposition == EventCopyDisposition.Retry);
        }
        else
        {
            FunctionsLog.EventCopied(_logger, source, outcome.Bucket, outcome.Key, disposition);
        }
    }

    /// <summary>A failure a later attempt may not meet: OSS unreachable or failing (5xx), a timeout, throttling.</summary>
    public static bool IsRetryable(int status) => status is >= 500 or StatusCodes.Status408RequestTimeout or StatusCodes.Status429TooManyRequests;

    private static string Serialize(CopyRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return JsonSerializer.Serialize(request, JsonSerializerOptions.Web);
    }
}

/// <summary>A queued copy failed for now and was put back: thrown so the queue delivers its message again.</summary>
public sealed class CopyRetryException : Exception
{
    public CopyRetryException(string id, int status)
        : base($"Copy {id} failed for now (HTTP {status}); its message will be delivered again.")
    {
    }

    public CopyRetryException()
    {
    }

    public CopyRetryException(string message)
        : base(message)
    {
    }

    public CopyRetryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
