using System.Net;
using System.Net.Http.Headers;
using OssCopy.Oss.Credentials;
using OssCopy.Oss.Signing;

namespace OssCopy.Oss.Http;

/// <summary>
/// Signs each attempt just before it is sent. It sits inside the retry handler, so a retried request carries a
/// fresh date and signature, and it learns the clock offset from a <c>RequestTimeTooSkewed</c> answer.
/// </summary>
public sealed class OssSigningHandler(
    IOssSigner signer,
    IOssCredentialsProvider credentialsProvider,
    OssClock clock,
    string signingRegion) : DelegatingHandler
{
    private const string SkewEc = "0002-00000504";

    // x-oss-date, Date, x-oss-content-sha256, Authorization, and x-oss-security-token with temporary credentials.
    private const int SignerHeaders = 5;

    private static readonly HashSet<string> ContentHeaderNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "Content-Type", "Content-MD5", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires", "Content-Range",
    };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var state = OssRequestState.Of(request);
        if (state is null)
        {
            return await base.SendAsync(request, cancellationToken);
        }

        state.Attempts++;
        state.ClockCorrected = false;
        state.RenewCredentials = false;
        var credentials = await credentialsProvider.GetCredentialsAsync(cancellationToken);
        state.SecretsUsed = credentials.SecurityToken is { } token ? [credentials.AccessKeySecret, token] : [credentials.AccessKeySecret];

        var context = new OssSigningContext(state.Headers.Count + SignerHeaders)
        {
            Method = state.Method,
            Bucket = state.Bucket,
            Key = state.Key,
            Credentials = credentials,
            Region = signingRegion,
            SigningTime = clock.UtcNow,
        };
        foreach (var header in state.Headers)
        {
            context.Headers[header.Key] = header.Value;
        }

        foreach (var pair in state.Query)
        {
            context.Query.Add(pair);
        }

        state.FirstAttemptAt ??= context.SigningTime;
        signer.SignHeaders(context);
        ApplyHeaders(request, context.Headers);

        var response = await base.SendAsync(request, cancellationToken);
        if (state.BufferResponse || !response.IsSuccessStatusCode)
        {
            try
            {
                await response.Content.LoadIntoBufferAsync(cancellationToken);
            }
            catch
            {
                response.Dispose();
                throw;
            }
        }

        if (response.StatusCode == HttpStatusCode.Forbidden && !state.SkewRetried && await IsClockSkewAsync(response, cancellationToken)
            && response.Headers.Date is { } serverTime)
        {
            // One corrected retry per request: a second skew answer means something else is wrong.
            clock.CorrectFrom(serverTime);
            state.ClockCorrected = state.SkewRetried = true;
        }
        else if (response.StatusCode == HttpStatusCode.Forbidden && credentials.SecurityToken is not null && !state.CredentialsRenewed
                 && credentialsProvider is IRenewableCredentialsProvider renewable && await IsRefusedTokenAsync(response, cancellationToken))
        {
            // STS credentials OSS no longer accepts (expired by its clock, or revoked): one retry with a fresh set.
            renewable.Expire(credentials);
            state.RenewCredentials = state.CredentialsRenewed = true;
        }

        return response;
    }

    private static void ApplyHeaders(HttpRequestMessage request, IDictionary<string, string> headers)
    {
        request.Headers.Clear();
        if (request.Content is not null)
        {
            foreach (var name in ContentHeaderNames)
            {
                request.Content.Headers.Remove(name);
            }
        }

        foreach (var (name, value) in headers)
        {
            if (ContentHeaderNames.Contains(name))
            {
                request.Content ??= new ByteArrayContent([]);
                request.Content.Headers.TryAddWithoutValidation(name, value);
            }
            else if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                throw new InvalidOperationException($"The header {name} cannot be sent.");
            }
        }

        // The signature covers Content-Type exactly; HttpClient must not add a default one.
        if (request.Content is not null && !headers.ContainsKey("Content-Type"))
        {
            request.Content.Headers.ContentType = null;
        }

        request.Headers.ExpectContinue = false;
        request.Headers.UserAgent.Add(UserAgent);
    }

    private static async Task<bool> IsClockSkewAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Headers.TryGetValues(OssHeaders.ErrorCodeEc, out var ec) && ec.Contains(SkewEc))
        {
            return true;
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        return body.Contains("<Code>" + OssErrorCodes.RequestTimeTooSkewed + "</Code>", StringComparison.Ordinal);
    }

    private static async Task<bool> IsRefusedTokenAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        return body.Contains("<Code>SecurityTokenExpired</Code>", StringComparison.Ordinal)
               || body.Contains("<Code>InvalidSecurityToken</Code>", StringComparison.Ordinal);
    }

    private static readonly ProductInfoHeaderValue UserAgent = new("osscopy", typeof(OssSigningHandler).Assembly.GetName().Version?.ToString(3) ?? "1.0.0");
}
