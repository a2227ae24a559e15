using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OssCopy.Core.Copying;
using OssCopy.Functions.Configuration;
using OssCopy.Functions.Http;
using OssCopy.Functions.Internal;

namespace OssCopy.Functions.Copy;

/// <summary>
/// <c>POST /api/copy</c>: one object. Parse (bounded body, every bad field named) → engine → map the outcome. Nothing
/// reaches OSS before the request is known to be valid. A copy the engine will make in parts goes to the queue at once,
/// and one still running after <see cref="AsyncCopyOptions.AsyncAfter"/> finishes after the answer: both are answered
/// 202 with <c>Location: /api/copy/{id}</c> (Azure cuts a response at 230 s), where the outcome is found when done.
/// </summary>
public sealed class CopyFunction
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    private readonly CopyOrchestrator _orchestrator;
    private readonly IIdempotencyStore _idempotency;
    private readonly WebhookOptions _options;
    private readonly MultipartForecast _forecast;
    private readonly AsyncCopyRunner _runner;
    private readonly AsyncCopyOptions _async;
    private readonly TimeProvider _time;
    private readonly ILogger<CopyFunction> _logger;

    public CopyFunction(CopyOrchestrator orchestrator, IIdempotencyStore idempotency, IOptions<WebhookOptions> options,
        MultipartForecast forecast, AsyncCopyRunner runner, IOptions<AsyncCopyOptions> asyncOptions, TimeProvider time, ILogger<CopyFunction> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(asyncOptions);
        _orchestrator = orchestrator;
        _idempotency = idempotency;
        _options = options.Value;
        _forecast = forecast;
        _runner = runner;
        _async = asyncOptions.Value;
        _time = time;
        _logger = logger;
    }

    [Function("Copy")]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "copy")] HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var cancellationToken = request.HttpContext.RequestAborted;
        if (request.ContentType is { } contentType && !IsJson(contentType))
        {
            return Refuse(ProblemResult.Create(StatusCodes.Status415UnsupportedMediaType, "Unsupported Media Type", "Send the copy request as application/json."));
        }

        string? idempotencyKey = null;
        if (request.Headers.TryGetValue(IdempotencyKeyHeader, out var keys))
        {
            idempotencyKey = keys.Count == 1 ? keys[0] : null;
            if (idempotencyKey is null or { Length: 0 or > 255 } || idempotencyKey.Any(c => c is < '!' or > '~'))
            {
                return Refuse(ProblemResult.Create(StatusCodes.Status400BadRequest, "Bad Idempotency-Key",
                    "Idempotency-Key must be one value of 1 to 255 visible ASCII characters.",
                    new Dictionary<string, string[]> { ["header:Idempotency-Key"] = ["must be 1 to 255 visible ASCII characters, sent once."] }));
            }
        }

        var body = await BoundedBody.ReadAsync(request, _options.MaxBodyBytes, cancellationToken);
        if (body is null)
        {
            return Refuse(BoundedBody.TooLarge(_options.MaxBodyBytes));
        }

        var copy = CopyRequestReader.Read(body, out var errors);
        if (copy is null)
        {
            return Refuse(ProblemResult.Create(StatusCodes.Status400BadRequest, "Invalid Copy Request",
                "The request names fields that are missing or invalid; each is listed in errors.", errors));
        }

        if (idempotencyKey is null)
        {
            return await CopyOrAcceptAsync(copy, cancellationToken);
        }

        var fingerprint = Convert.ToHexString(SHA256.HashData(body));
        var reservation = await _idempotency.ReserveAsync(idempotencyKey, fingerprint, cancellationToken);
        switch (reservation.State)
        {
            case IdempotencyState.Completed:
                FunctionsLog.IdempotentReplay(_logger, "completed");
                return new StoredResponseResult(reservation.Response!, replayed: true);
            case IdempotencyState.InProgress:
                FunctionsLog.IdempotentReplay(_logger, "in progress");
                return ProblemResult.Create(StatusCodes.Status409Conflict, "Request In Progress",
                    "A request with this Idempotency-Key is still being processed; repeat it later.");
            case IdempotencyState.Mismatch:
                FunctionsLog.IdempotentReplay(_logger, "mismatch");
                return ProblemResult.Create(StatusCodes.Status422UnprocessableEntity, "Idempotency-Key Reused",
                    "This Idempotency-Key was used for a different request body.");
        }

        JsonBodyResult answer;
        try
        {
            answer = await CopyOrAcceptAsync(copy, cancellationToken);
        }
        catch
        {
            await _idempotency.ReleaseAsync(idempotencyKey, CancellationToken.None);
            throw;
        }

        // A queued copy's 202 is kept: a repeat is sent to the same copy, never makes a second one.
        if (!CopyOutcomeMapper.IsFinal(answer) && !IsQueued(answer))
        {
            await _idempotency.ReleaseAsync(idempotencyKey, CancellationToken.None);
            return answer;
        }

        var stored = StoredResponseResult.Store(answer);
        await _idempotency.CompleteAsync(idempotencyKey, stored, CancellationToken.None);
        return new StoredResponseResult(stored, replayed: false);
    }

    private async Task<JsonBodyResult> CopyOrAcceptAsync(CopyRequest copy, CancellationToken requestAborted)
    {
        if (await _forecast.WillGoMultipartAsync(copy, requestAborted))
        {
            var id = AsyncCopyRunner.NewId();
            await _runner.AcceptAsync(id, CopyOrigin.Webhook, copy, "the copy goes multipart", requestAborted);
            return Queued(id, CopyRunStatus.Accepted);
        }

        // The copy may outlive the request (handed over below): it is cancelled with the request only until then.
        var copying = new CancellationTokenSource();
        var aborted = requestAborted.Register(copying.Cancel);
        var task = CopyAsync(copy, copying.Token);
        using (var waiting = new CancellationTokenSource())
        {
            await Task.WhenAny(task, Task.Delay(_async.AsyncAfter, _time, waiting.Token));
            await waiting.CancelAsync();
        }

        await aborted.DisposeAsync();
        if (task.IsCompleted)
        {
            copying.Dispose();
            return await task;
        }

        var handedOver = AsyncCopyRunner.NewId();
        var attempt = await _runner.HandOverAsync(handedOver, copy, CancellationToken.None);
        _ = FinishAsync(handedOver, attempt, task, copying);
        return Queued(handedOver, CopyRunStatus.Running);
    }

    private async Task FinishAsync(string id, string attempt, Task<JsonBodyResult> task, CancellationTokenSource copying)
    {
        using (copying)
        {
            await _runner.FinishHandedOverAsync(id, attempt, task);
        }
    }

    private static JsonBodyResult Queued(string id, CopyRunStatus status)
    {
        var location = AsyncCopyRunner.LocationOf(id);
        var accepted = new JsonBodyResult(StatusCodes.Status202Accepted, new QueuedCopyBody(id, status, location));
        accepted.Headers["Location"] = location;
        return accepted;
    }

    private static bool IsQueued(JsonBodyResult answer) => answer.Body is QueuedCopyBody;

    private async Task<JsonBodyResult> CopyAsync(CopyRequest copy, CancellationToken cancellationToken)
    {
        CopyOutcome outcome;
        try
        {
            outcome = await _orchestrator.CopyAsync(copy, cancellationToken);
        }
        catch (CopyValidationException ex)
        {
            // The reader ran the same validator; kept so a rule the engine adds later still answers 400, not 500.
            return Refuse(CopyOutcomeMapper.Refusal(ex));
        }

        var answer = CopyOutcomeMapper.Map(outcome);
        FunctionsLog.CopyAnswered(_logger, outcome.SourceBucket, outcome.SourceKey, outcome.Bucket, outcome.Key, answer.StatusCode, outcome.Status);
        return answer;
    }

    private ProblemResult Refuse(ProblemResult problem)
    {
        if (_logger.IsEnabled(LogLevel.Information))
        {
            FunctionsLog.CopyRefused(_logger, problem.StatusCode, problem.Problem.Errors is { } errors ? string.Join(",", errors.Keys) : problem.Problem.Title);
        }

        return problem;
    }

    internal static bool IsJson(string contentType)
    {
        var mediaType = contentType.Split(';', 2)[0].Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
               || (mediaType.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
    }
}

/// <summary>The 202 of a queued copy: its id, status and where to ask for the outcome.</summary>
public sealed record QueuedCopyBody(string Id, CopyRunStatus Status, string Location);
