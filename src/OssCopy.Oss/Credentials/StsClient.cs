using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace OssCopy.Oss.Credentials;

/// <summary>What AssumeRoleWithOIDC needs. <see cref="OidcToken"/> is a secret.</summary>
public sealed record AssumeRoleWithOidcRequest(string RoleArn, string OidcProviderArn, string OidcToken, string RoleSessionName)
{
    /// <summary>900 up to the role's MaxSessionDuration; STS's default is 3600.</summary>
    public int DurationSeconds { get; init; } = 3600;

    /// <summary>An optional policy narrowing the role's permissions.</summary>
    public string? Policy { get; init; }

    public override string ToString() => $"AssumeRoleWithOidcRequest {{ RoleArn = {RoleArn}, OidcProviderArn = {OidcProviderArn}, RoleSessionName = {RoleSessionName} }}";
}

/// <summary>
/// Our own client for the one STS call we need (no official .NET STS SDK is on our registries): the RPC-style
/// <c>AssumeRoleWithOIDC</c> (Version 2015-04-01), which is anonymous — the OIDC token is the proof, so there is no
/// signature. Common parameters go in the query and the operation's in a form body, as credentials-go sends them.
/// </summary>
public sealed class StsClient
{
    public const string HttpClientName = "OssCopy.Oss.Sts";
    public const string ApiVersion = "2015-04-01";

    private readonly IHttpClientFactory _httpClientFactory;
    private readonly StsClientOptions _options;
    private readonly TimeProvider _time;
    private readonly Uri _endpoint;

    public StsClient(IHttpClientFactory httpClientFactory, IOptions<StsClientOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _httpClientFactory = httpClientFactory ?? throw new ArgumentNullException(nameof(httpClientFactory));
        _options = options.Value;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _endpoint = _options.ResolveEndpoint();
    }

    public Uri Endpoint => _endpoint;

    /// <summary>Trades the OIDC token for temporary credentials; throws <see cref="StsException"/> with STS's code, message and request id.</summary>
    public async Task<OssCredentials> AssumeRoleWithOidcAsync(AssumeRoleWithOidcRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var query = string.Join('&', new[]
        {
            ("Action", "AssumeRoleWithOIDC"),
            ("Version", ApiVersion),
            ("Format", "JSON"),
            ("Timestamp", _time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)),
            ("SignatureNonce", Guid.NewGuid().ToString("N")),
        }.Select(p => p.Item1 + "=" + Uri.EscapeDataString(p.Item2)));
        var form = new List<KeyValuePair<string, string>>
        {
            new("RoleArn", request.RoleArn),
            new("OIDCProviderArn", request.OidcProviderArn),
            new("OIDCToken", request.OidcToken),
            new("RoleSessionName", request.RoleSessionName),
            new("DurationSeconds", request.DurationSeconds.ToString(CultureInfo.InvariantCulture)),
        };
        if (!string.IsNullOrEmpty(request.Policy))
        {
            form.Add(new("Policy", request.Policy));
        }

        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(_endpoint, "?" + query)) { Content = new FormUrlEncodedContent(form) };
        message.Headers.Accept.ParseAdd("application/json");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        var http = _httpClientFactory.CreateClient(HttpClientName);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(message, timeout.Token).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new StsException(0, "NetworkError", $"STS at {_endpoint.Host} cannot be reached: {ex.Message}", null, innerException: ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new StsException(0, "Timeout", $"STS at {_endpoint.Host} did not answer within {_options.Timeout}.", null, innerException: ex);
        }

        using (response)
        {
            var body = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode)
            {
                throw ErrorFrom(status, body);
            }

            StsAnswer? answer;
            try
            {
                answer = JsonSerializer.Deserialize(body, StsJsonContext.Default.StsAnswer);
            }
            catch (JsonException ex)
            {
                throw new StsException(status, "InvalidResponse", "STS answered with a body that is not its JSON.", null, innerException: ex);
            }

            var c = answer?.Credentials;
            if (c?.AccessKeyId is not { Length: > 0 } id || c.AccessKeySecret is not { Length: > 0 } secret || c.SecurityToken is not { Length: > 0 } token
                || !DateTimeOffset.TryParse(c.Expiration, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var expiration))
            {
                throw new StsException(status, "InvalidResponse", "STS answered without complete credentials (AccessKeyId, AccessKeySecret, SecurityToken, Expiration).", answer?.RequestId);
            }

            return new OssCredentials(id, secret, token) { Expiration = expiration };
        }
    }

    private static StsException ErrorFrom(int status, byte[] body)
    {
        try
        {
            var error = JsonSerializer.Deserialize(body, StsJsonContext.Default.StsError);
            if (error?.Code is { Length: > 0 } code)
            {
                return new StsException(status, code, error.Message ?? string.Empty, error.RequestId, error.HostId, error.Recommend);
            }
        }
        catch (JsonException)
        {
            // Not STS's JSON (a proxy's page, say): the status alone says what happened; the body is not echoed.
        }

        return new StsException(status, "InvalidResponse", $"STS answered HTTP {status} without an error body.", null);
    }
}

internal sealed class StsAnswer
{
    public string? RequestId { get; set; }

    public StsCredentialsJson? Credentials { get; set; }
}

internal sealed class StsCredentialsJson
{
    public string? AccessKeyId { get; set; }

    public string? AccessKeySecret { get; set; }

    public string? SecurityToken { get; set; }

    public string? Expiration { get; set; }
}

internal sealed class StsError
{
    public string? RequestId { get; set; }

    public string? HostId { get; set; }

    public string? Code { get; set; }

    public string? Message { get; set; }

    public string? Recommend { get; set; }
}

[JsonSerializable(typeof(StsAnswer))]
[JsonSerializable(typeof(StsError))]
internal sealed partial class StsJsonContext : JsonSerializerContext;
