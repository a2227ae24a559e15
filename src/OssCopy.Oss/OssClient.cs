using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OssCopy.Oss.Credentials;
using OssCopy.Oss.Http;
using OssCopy.Oss.Internal;
using OssCopy.Oss.Signing;
using Polly;

namespace OssCopy.Oss;

/// <summary>
/// The typed OSS REST client. Each operation validates its input before any HTTP call, builds the request,
/// and maps the answer to a result or an <see cref="OssException"/>. Signing and retries live in the
/// <see cref="HttpClient"/>'s handlers (<see cref="OssSigningHandler"/> inside the retry handler), so every
/// attempt is signed afresh.
/// </summary>
public sealed partial class OssClient : IOssClient
{
    private static readonly UriCreationOptions RawUri = new() { DangerousDisablePathAndQueryCanonicalization = true };

    private readonly HttpClient _http;
    private readonly OssClientOptions _options;
    private readonly IOssCredentialsProvider _credentials;
    private readonly OssClock _clock;
    private readonly ILogger _logger;
    private readonly Uri _baseUri;
    private readonly bool _pathStyle;

    public OssClient(HttpClient httpClient, IOptions<OssClientOptions> options, IOssCredentialsProvider credentials, OssClock clock, ILogger<OssClient> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _http = httpClient ?? throw new ArgumentNullException(nameof(httpClient));
        _options = options.Value;
        _credentials = credentials ?? throw new ArgumentNullException(nameof(credentials));
        _clock = clock ?? throw new ArgumentNullException(nameof(clock));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _baseUri = OssEndpoints.ResolveBase(_options.Region, _options.Endpoint, _options.UseInternalEndpoint, _options.DisableSsl);
        _pathStyle = _options.UsePathStyle || OssEndpoints.RequiresPathStyle(_baseUri);
    }

    /// <summary>The endpoint requests go to.</summary>
    public Uri Endpoint => _baseUri;

    public string SigningRegion => OssEndpoints.BareRegion(_options.Region);

    /// <summary>
    /// A client outside dependency injection (CLI, tests, tools), with the same handler chain as
    /// <c>AddOssClient</c>: retry → signing → <paramref name="primaryHandler"/> (a pooled socket handler by default).
    /// </summary>
    public static OssClient Create(
        OssClientOptions options,
        IOssCredentialsProvider credentials,
        HttpMessageHandler? primaryHandler = null,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        OssClientOptionsValidation.ThrowIfInvalid(options);
        loggerFactory ??= NullLoggerFactory.Instance;
        var clock = new OssClock(timeProvider ?? TimeProvider.System);
        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = timeProvider ?? TimeProvider.System };
        OssRetryPipeline.Configure(pipeline, options, loggerFactory.CreateLogger<OssClient>());
        var signing = new OssSigningHandler(CreateSigner(options.SignatureVersion), credentials, clock, OssEndpoints.BareRegion(options.Region))
        {
            InnerHandler = primaryHandler ?? CreatePrimaryHandler(),
        };
        var http = new HttpClient(new ResilienceHandler(pipeline.Build()) { InnerHandler = signing }) { Timeout = Timeout.InfiniteTimeSpan };
        return new OssClient(http, Options.Create(options), credentials, clock, loggerFactory.CreateLogger<OssClient>());
    }

    public static IOssSigner CreateSigner(OssSignatureVersion version) =>
        version == OssSignatureVersion.V1 ? new OssSignerV1() : new OssSignerV4();

    /// <summary>
    /// Pooled connections sized for many parallel copies against one endpoint. Redirects are never followed, as in
    /// the official SDKs: a bucket's website rules can redirect anywhere, and a followed redirect would carry the
    /// security token there. Header values are UTF-8 both ways, as OSS stores metadata.
    /// </summary>
    public static SocketsHttpHandler CreatePrimaryHandler() => new()
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        MaxConnectionsPerServer = 256,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
        ConnectTimeout = TimeSpan.FromSeconds(15),
        AllowAutoRedirect = false,
        RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8,
        ResponseHeaderEncodingSelector = (_, _) => Encoding.UTF8,
    };

    private static OssRequestState NewState(string operation, string method, string? bucket, string? key) =>
        new() { Operation = operation, Method = method, Bucket = bucket, Key = key };

    /// <summary>Sends a request and returns a successful answer, or throws the <see cref="OssException"/> OSS answered.</summary>
    private async Task<HttpResponseMessage> SendAsync(
        OssRequestState state,
        HttpContent? content,
        CancellationToken cancellationToken,
        bool streamResponse = false)
    {
        state.BufferResponse = !streamResponse;
        var request = new HttpRequestMessage(HttpMethod.Parse(state.Method), BuildUri(state)) { Content = content };
        request.Options.Set(OssRequestState.OptionsKey, state);
        if (content is OssBodyContent body)
        {
            state.Replayable = body.CanResend;
        }

        var started = Stopwatch.GetTimestamp();
        HttpResponseMessage response;
        try
        {
            // The signing handler has read the body inside the attempt (unless streaming), so timeouts and retries cover it.
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException or Polly.Timeout.TimeoutRejectedException
                                   && !cancellationToken.IsCancellationRequested)
        {
            OssLog.Unreachable(_logger, state.Operation, state.Bucket, state.Key, state.Attempts, ex.Message);
            var code = ex is OperationCanceledException or Polly.Timeout.TimeoutRejectedException ? "RequestTimeout" : "RequestFailed";
            throw new OssException(0, code, $"{state.Operation} could not reach OSS after {state.Attempts} attempt(s): {ex.Message}", null, innerException: ex);
        }

        var requestId = ResponseReader.Header(response, OssHeaders.RequestId);
        var elapsedMs = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        OssLog.Answered(_logger, state.Operation, state.Bucket, state.Key, (int)response.StatusCode, elapsedMs, state.Attempts, requestId);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw await OssErrorParser.ParseAsync(response, state.SecretsUsed, cancellationToken);
        }
    }

    private Uri BuildUri(OssRequestState state) => BuildUri(state.Bucket, state.Key, state.Query);

    private Uri BuildUri(string? bucket, string? key, IEnumerable<KeyValuePair<string, string>> query)
    {
        var path = OssEndpoints.BuildPathAndHost(_baseUri, bucket, key, _pathStyle, out var authority);
        var builder = new StringBuilder(_baseUri.Scheme).Append("://").Append(authority).Append(path);
        var first = true;
        foreach (var (name, value) in query)
        {
            builder.Append(first ? '?' : '&').Append(OssEncoding.UriEncode(name));
            if (value.Length > 0)
            {
                builder.Append('=').Append(OssEncoding.UriEncode(value));
            }

            first = false;
        }

        return new Uri(builder.ToString(), in RawUri);
    }
}
