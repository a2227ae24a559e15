using System.Security.Cryptography;
using System.Text;
using LocalOss.Auth;
using LocalOss.Faults;
using LocalOss.Operations;
using LocalOss.Storage;
using LocalOss.Throttling;

namespace LocalOss.Http;

/// <summary>
/// The one request pipeline: request id → route → count → faults → authenticate → operation → answer.
/// A hand-written dispatch on method and sub-resource (no MVC, no per-request reflection) keeps the copy
/// hot path short. Every failure becomes OSS's error answer; nothing escapes as a stack trace.
/// </summary>
internal sealed partial class OssHandler
{
    private readonly OssService _service;
    private readonly RequestAuthenticator _authenticator;
    private readonly RequestCounters _counters;
    private readonly FaultInjector _faults;
    private readonly IReadOnlyList<string> _baseHosts;
    private readonly IReadOnlyDictionary<string, string> _cnames;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public OssHandler(OssService service, RequestAuthenticator authenticator, RequestCounters counters, FaultInjector faults,
        IReadOnlyList<string> baseHosts, IReadOnlyDictionary<string, string> cnames, TimeProvider time, ILogger logger)
    {
        _service = service;
        _authenticator = authenticator;
        _counters = counters;
        _faults = faults;
        _baseHosts = baseHosts;
        _cnames = cnames;
        _time = time;
        _logger = logger;
    }

    /// <summary>OSS's request-rate limits (README: Scale); none when not set.</summary>
    public RequestThrottle? Throttle { get; init; }

    /// <summary>Simulated server latency, before every answer; none when not set.</summary>
    public LatencySimulator? Latency { get; init; }

    /// <summary>Event notifications of successful writes (<see cref="LocalOssOptions.Notify"/>); null when off.</summary>
    public Notifications.ObjectEventRecorder? Notifications { get; init; }

    public async Task HandleAsync(HttpContext http)
    {
        var requestId = NewRequestId();
        var response = http.Response;
        // Date from the moment the answer leaves, not Kestrel's once-a-second cache: clients compare it with the
        // object's Last-Modified (ali-oss's own tests send a PUT's Date back as If-Modified-Since and expect 304),
        // and RequestTimeTooSkewed's clock correction reads it.
        response.OnStarting(static state =>
        {
            var (answer, time) = ((HttpResponse, TimeProvider))state;
            answer.Headers.Date = time.GetUtcNow().ToString("r", System.Globalization.CultureInfo.InvariantCulture);
            return Task.CompletedTask;
        }, (response, _time));
        response.Headers["x-oss-request-id"] = requestId;
        response.Headers["Server"] = "AliyunOSS";
        OssRequest? request = null;
        try
        {
            request = OssRequest.Parse(http, requestId, _baseHosts, _cnames);
            request.Operation = Router.OperationOf(request);
            _counters.Increment(request.Operation);
            if (Latency is { Enabled: true } latency)
            {
                // Before any answer, error answers included, and outside every store lock.
                await latency.DelayAsync(http.RequestAborted).ConfigureAwait(false);
            }

            var fault = _faults.Decide(request.Operation);
            if (fault.LatencyMilliseconds > 0)
            {
                await Task.Delay(fault.LatencyMilliseconds, http.RequestAborted).ConfigureAwait(false);
            }

            switch (fault.Failure)
            {
                case LocalOssFaultKind.DropConnection:
                    LogFault(_logger, request.Operation, "DropConnection");
                    http.Abort();
                    return;
                case LocalOssFaultKind.SlowDown:
                    LogFault(_logger, request.Operation, "SlowDown");
                    _counters.IncrementThrottled("SlowDown");
                    throw Errors.SlowDown();
                case LocalOssFaultKind.InternalError:
                    LogFault(_logger, request.Operation, "InternalError");
                    throw Errors.Internal();
            }

            // OSS resolves the bucket before it authenticates: a missing bucket answers NoSuchBucket even to an unknown
            // key or a wrong signature. PutBucket creates the bucket, so it authenticates first.
            if (request.Operation != "PutBucket")
            {
                await _service.EnsureBucketExistsAsync(request, http.RequestAborted).ConfigureAwait(false);
            }

            _authenticator.Authenticate(request);
            if (Throttle is { Enabled: true } throttle)
            {
                // After authentication: the account whose limit applies is the one that signed (an STS key's owner).
                var account = request.Account is { } signer ? OssService.DefaultOwner(signer) : "";
                var verdict = throttle.Admit(account, request.Bucket, request.Key);
                if (verdict != ThrottleVerdict.Admitted)
                {
                    var refusal = RequestThrottle.ErrorFor(verdict);
                    _counters.IncrementThrottled(refusal.Code);
                    throw refusal;
                }
            }

            var notice = Notifications is null ? null : await Notifications.BeforeAsync(request, http.RequestAborted).ConfigureAwait(false);
            await _service.ExecuteAsync(request, http.RequestAborted).ConfigureAwait(false);
            if (notice is not null)
            {
                await Notifications!.AfterAsync(notice, request, response.StatusCode).ConfigureAwait(false);
            }
        }
        catch (OssError error)
        {
            await WriteErrorAsync(http, request, requestId, error).ConfigureAwait(false);
        }
        catch (IncompleteBodyException)
        {
            if (http.RequestAborted.IsCancellationRequested)
            {
                return;
            }

            await WriteErrorAsync(http, request, requestId, Errors.IncompleteBody()).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException && http.RequestAborted.IsCancellationRequested)
        {
            // The client went away (mid-download, say); there is nobody to answer and nothing went wrong here.
        }
#pragma warning disable CA1031 // Last line of defence: an unexpected failure must still be an OSS answer, not a stack trace.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogUnexpected(_logger, ex, request?.Operation ?? "Unknown", requestId);
            await WriteErrorAsync(http, request, requestId, Errors.Internal()).ConfigureAwait(false);
        }
    }

    private static async Task WriteErrorAsync(HttpContext http, OssRequest? request, string requestId, OssError error)
    {
        var response = http.Response;
        if (response.HasStarted)
        {
            // Headers are gone already (a failure mid-body): only dropping the connection tells the client.
            http.Abort();
            return;
        }

        response.Clear();
        response.Headers["x-oss-request-id"] = requestId;
        response.Headers["Server"] = "AliyunOSS";
        response.StatusCode = error.Status;
        foreach (var header in error.Headers)
        {
            response.Headers[header.Key] = header.Value;
        }

        if (error.NoBody)
        {
            return;
        }

        response.Headers["x-oss-ec"] = error.Ec;
        var hostId = request?.HostId ?? http.Request.Host.Host;
        var body = Encoding.UTF8.GetBytes(ErrorXml(error, requestId, hostId, withExtra: true));
        // HEAD answers carry no body, so SDKs read the error from x-oss-err; clients that hand a GET's body to the
        // caller as a stream (ali-oss getStream) read it from there too, so every error answer carries it. Node's
        // HTTP parser refuses headers beyond 16 KiB in all: a long error (SignatureDoesNotMatch's string to sign
        // for a 1023-byte key) goes without its extra elements in the header, whose full form is in the body.
        var err = Convert.ToBase64String(body);
        if (err.Length > MaxErrHeaderLength)
        {
            err = Convert.ToBase64String(Encoding.UTF8.GetBytes(ErrorXml(error, requestId, hostId, withExtra: false)));
        }

        response.Headers["x-oss-err"] = err;
        if (HttpMethods.IsHead(http.Request.Method))
        {
            return;
        }

        response.ContentType = "application/xml";
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, http.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Largest x-oss-err value sent with every extra element (Base64 characters).</summary>
    private const int MaxErrHeaderLength = 4096;

    private static string ErrorXml(OssError error, string requestId, string hostId, bool withExtra)
    {
        var xml = new XmlOut().Open("Error")
            .Element("Code", error.Code)
            .Element("Message", error.Message)
            .Element("RequestId", requestId)
            .Element("HostId", hostId);
        if (withExtra)
        {
            foreach (var (name, value) in error.Extra)
            {
                xml.Element(name, value);
            }
        }

        return xml.Element("EC", error.Ec)
            .Element("RecommendDoc", "https://api.aliyun.com/troubleshoot?q=" + error.Ec)
            .Close("Error")
            .ToString();
    }

    /// <summary>24 upper-case hex characters, like OSS's request ids.</summary>
    private static string NewRequestId()
    {
        Span<byte> bytes = stackalloc byte[12];
        RandomNumberGenerator.Fill(bytes);
        return Convert.ToHexString(bytes);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Injected fault {Fault} into {Operation}")]
    private static partial void LogFault(ILogger logger, string operation, string fault);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Unexpected failure in {Operation} (request {RequestId})")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string operation, string requestId);
}
