using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using OssCopy.Functions.Configuration;

namespace OssCopy.Functions.Events;

/// <summary>
/// EventBridge deliveries carry the shared secret configured on the HTTP target in a header. Compared in constant
/// time over SHA-256 digests, so neither the content nor the length of the secret leaks through timing.
/// </summary>
public sealed class SharedSecretAuthenticator
{
    private readonly EventBridgeOptions _options;
    private readonly byte[]? _expected;

    public SharedSecretAuthenticator(IOptions<EventOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value.EventBridge;
        _expected = _options.SharedSecret is { Length: > 0 } secret ? SHA256.HashData(Encoding.UTF8.GetBytes(secret)) : null;
    }

    /// <summary>Null when the request carries the secret; otherwise why not (never the value).</summary>
    public string? Check(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_expected is null)
        {
            return "no EventBridge shared secret is configured (Events:EventBridge:SharedSecret)";
        }

        if (!request.Headers.TryGetValue(_options.SecretHeader, out var values) || values.Count != 1 || values[0] is not { } provided)
        {
            return $"the {_options.SecretHeader} header is missing";
        }

        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(provided));
        return CryptographicOperations.FixedTimeEquals(digest, _expected) ? null : $"the {_options.SecretHeader} header does not match";
    }
}
