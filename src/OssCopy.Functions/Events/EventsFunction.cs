using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OssCopy.Functions.Configuration;
using OssCopy.Functions.Http;
using OssCopy.Functions.Internal;

namespace OssCopy.Functions.Events;

/// <summary>
/// <c>POST /api/events</c>: OSS object events from EventBridge (CloudEvents, shared secret) or MNS (signed HTTP push).
/// Authenticate → unwrap → route → deduplicate → dispatch the copies (queued: a queue worker copies them). Events of
/// other buckets, keys or kinds are acknowledged and logged; a dispatcher that reports a copy to retry answers 502 so
/// the sender delivers the event again.
/// </summary>
public sealed class EventsFunction
{
    private readonly SharedSecretAuthenticator _sharedSecret;
    private readonly MnsSignatureVerifier _mns;
    private readonly EventRouter _router;
    private readonly IEventDeduplicator _deduplicator;
    private readonly IEventCopyDispatcher _dispatcher;
    private readonly EventOptions _options;
    private readonly ILogger<EventsFunction> _logger;

    public EventsFunction(SharedSecretAuthenticator sharedSecret, MnsSignatureVerifier mns, EventRouter router,
        IEventDeduplicator deduplicator, IEventCopyDispatcher dispatcher, IOptions<EventOptions> options, ILogger<EventsFunction> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _sharedSecret = sharedSecret;
        _mns = mns;
        _router = router;
        _deduplicator = deduplicator;
        _dispatcher = dispatcher;
        _options = options.Value;
        _logger = logger;
    }

    [Function("OssEvents")]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "events")] HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var cancellationToken = request.HttpContext.RequestAborted;
        if (EventEnvelopeReader.TransportOf(request) is not { } transport)
        {
            return Reject("unknown", ProblemResult.Create(StatusCodes.Status415UnsupportedMediaType, "Unsupported Media Type",
                "Send OSS events as an EventBridge CloudEvent (application/cloudevents+json, or ce-* headers) or an MNS HTTP push."));
        }

        var body = await BoundedBody.ReadAsync(request, _options.MaxBodyBytes, cancellationToken);
        if (body is null)
        {
            return Reject(transport.ToString(), BoundedBody.TooLarge(_options.MaxBodyBytes));
        }

        var refusal = transport == EventTransport.Mns
            ? await _mns.CheckAsync(request, body, cancellationToken)
            : _sharedSecret.Check(request);
        if (refusal is not null)
        {
            FunctionsLog.EventUnauthorized(_logger, transport.ToString(), refusal);
            return ProblemResult.Create(StatusCodes.Status401Unauthorized, "Unauthorized", "The delivery could not be authenticated.");
        }

        EventDelivery delivery;
        try
        {
            delivery = EventEnvelopeReader.Read(request, transport, body);
        }
        catch (EventFormatException ex)
        {
            return Reject(transport.ToString(), ProblemResult.Create(StatusCodes.Status400BadRequest, "Invalid Event", "The delivery is not a well-formed OSS event.",
                new Dictionary<string, string[]> { [ex.Path] = [ex.Message] }));
        }

        var summaries = new List<EventSummary>(delivery.Events.Count);
        var retry = false;
        foreach (var ossEvent in delivery.Events)
        {
            var summary = await HandleAsync(delivery, ossEvent, cancellationToken);
            retry |= summary.Result == EventResult.Retry;
            summaries.Add(summary);
        }

        if (delivery.Events.Count == 0)
        {
            FunctionsLog.EventIgnored(_logger, delivery.CloudEventType ?? "(none)", "-", "-", "not an OSS event type");
        }

        if (retry)
        {
            return ProblemResult.Create(StatusCodes.Status502BadGateway, "Copy Failed For Now",
                "A copy this event asks for failed and may succeed later; deliver the event again.",
                extensions: new Dictionary<string, object?> { ["deliveryId"] = delivery.DeliveryId, ["events"] = summaries });
        }

        // MNS expects 204 No Content; EventBridge targets read any 2xx, and a summary helps whoever looks.
        return transport == EventTransport.Mns
            ? new JsonBodyResult(StatusCodes.Status204NoContent, null)
            : new JsonBodyResult(StatusCodes.Status200OK, new DeliverySummary(delivery.DeliveryId, summaries));
    }

    private async Task<EventSummary> HandleAsync(EventDelivery delivery, OssObjectEvent ossEvent, CancellationToken cancellationToken)
    {
        var copies = _router.Route(ossEvent);
        if (copies.Count == 0)
        {
            FunctionsLog.EventIgnored(_logger, ossEvent.EventName, ossEvent.Bucket, ossEvent.Key,
                ossEvent.IsObjectCreated || ossEvent.IsRestoreFinished ? "no route matches" : "not an ObjectCreated event");
            return new EventSummary(ossEvent.EventName, ossEvent.Bucket, ossEvent.Key, ossEvent.ETag, EventResult.Ignored, []);
        }

        var eventKey = ossEvent.DeduplicationKey(delivery.DeliveryId);
        if (!await _deduplicator.TryBeginAsync(eventKey, cancellationToken))
        {
            FunctionsLog.EventDuplicate(_logger, ossEvent.Bucket, ossEvent.Key, ossEvent.ETag ?? "-");
            return new EventSummary(ossEvent.EventName, ossEvent.Bucket, ossEvent.Key, ossEvent.ETag, EventResult.Duplicate, []);
        }

        IReadOnlyList<EventCopyResult> results;
        try
        {
            results = await _dispatcher.DispatchAsync(ossEvent, copies, cancellationToken);
        }
        catch
        {
            await _deduplicator.ReleaseAsync(eventKey, CancellationToken.None);
            throw;
        }

        var retry = results.Any(r => r.Disposition == EventCopyDisposition.Retry);
        if (retry)
        {
            await _deduplicator.ReleaseAsync(eventKey, CancellationToken.None);
        }
        else
        {
            await _deduplicator.CompleteAsync(eventKey, CancellationToken.None);
        }

        return new EventSummary(ossEvent.EventName, ossEvent.Bucket, ossEvent.Key, ossEvent.ETag, retry ? EventResult.Retry : EventResult.Handled,
            [.. results.Select(r => new CopySummary(r.Copy.RouteIndex, r.Copy.Request.Bucket, r.Copy.Request.Key, r.Disposition, r.Outcome?.Error?.Code, r.CopyId))]);
    }

    private ProblemResult Reject(string transport, ProblemResult problem)
    {
        if (_logger.IsEnabled(LogLevel.Information))
        {
            FunctionsLog.EventRejected(_logger, transport, problem.StatusCode, problem.Problem.Errors is { } errors ? string.Join(",", errors.Keys) : problem.Problem.Title);
        }

        return problem;
    }
}

public enum EventResult
{
    Handled,
    Ignored,
    Duplicate,
    Retry,
}

public sealed record DeliverySummary(string DeliveryId, IReadOnlyList<EventSummary> Events);

public sealed record EventSummary(string EventName, string Bucket, string Key, string? ETag, EventResult Result, IReadOnlyList<CopySummary> Copies);

public sealed record CopySummary(int Route, string Bucket, string Key, EventCopyDisposition Disposition, string? Code, string? CopyId = null);
