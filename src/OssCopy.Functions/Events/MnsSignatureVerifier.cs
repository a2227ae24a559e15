using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OssCopy.Functions.Configuration;
using OssCopy.Functions.Internal;

namespace OssCopy.Functions.Events;

/// <summary>
/// Verifies an MNS HTTP push: <c>Date</c> within the allowed skew, the body matching <c>Content-MD5</c> (the
/// signature covers the header, not the body), the certificate URL (<c>x-mns-signing-cert-url</c>, Base64) on an
/// allowed host over https, and <c>Authorization</c> = Base64 RSA-SHA1 over
/// <c>METHOD\nContent-MD5\nContent-Type\nDate\n</c> + the sorted <c>x-mns-*</c> headers as <c>name:value\n</c> + the resource path.
/// </summary>
public sealed class MnsSignatureVerifier
{
    private readonly MnsOptions _options;
    private readonly MnsCertificateSource _certificates;
    private readonly TimeProvider _time;
    private readonly ILogger<MnsSignatureVerifier> _logger;

    public MnsSignatureVerifier(IOptions<EventOptions> options, MnsCertificateSource certificates, TimeProvider time, ILogger<MnsSignatureVerifier> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value.Mns;
        _certificates = certificates;
        _time = time;
        _logger = logger;
    }

    /// <summary>Null when the notification is authentic; otherwise why not (names and reasons only, never the signature).</summary>
    public async Task<string?> CheckAsync(HttpRequest request, byte[] body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(body);
        if (!_options.Enabled)
        {
            return "MNS notifications are disabled (Events:Mns:Enabled)";
        }

        var date = Single(request, "Date");
        if (date is null || !DateTimeOffset.TryParseExact(date, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var sent))
        {
            return "the Date header is missing or not an RFC 1123 date";
        }

        if ((_time.GetUtcNow() - sent).Duration() > _options.MaxClockSkew)
        {
            return $"the Date header is more than {_options.MaxClockSkew.TotalMinutes} minutes from now";
        }

        var contentMd5 = Single(request, "Content-MD5");
        if (contentMd5 is null || !BodyMatches(contentMd5, body))
        {
            return "the Content-MD5 header is missing or does not match the body";
        }

        var authorization = Single(request, "Authorization");
        byte[] signature;
        try
        {
            signature = Convert.FromBase64String(authorization ?? string.Empty);
        }
        catch (FormatException)
        {
            return "the Authorization header is not a Base64 signature";
        }

        if (signature.Length == 0)
        {
            return "the Authorization header is missing";
        }

        var url = CertificateUrl(Single(request, EventEnvelopeReader.MnsCertificateUrlHeader), out var urlProblem);
        if (url is null)
        {
            return urlProblem;
        }

        X509Certificate2 certificate;
        try
        {
            certificate = await _certificates.GetAsync(url, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or CryptographicException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            FunctionsLog.CertificateUnavailable(_logger, url.GetLeftPart(UriPartial.Path), ex.GetType().Name);
            return "the signing certificate could not be downloaded or read";
        }

        var now = _time.GetUtcNow();
        if (now < certificate.NotBefore.ToUniversalTime() || now > certificate.NotAfter.ToUniversalTime())
        {
            return "the signing certificate is not valid now";
        }

        using var rsa = certificate.GetRSAPublicKey();
        if (rsa is null)
        {
            return "the signing certificate has no RSA key";
        }

        var stringToSign = StringToSign(request, contentMd5, date);
        return rsa.VerifyData(Encoding.UTF8.GetBytes(stringToSign), signature, HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1)
            ? null
            : "the signature does not match";
    }

    /// <summary>MNS's string to sign for a push request.</summary>
    public static string StringToSign(HttpRequest request, string? contentMd5, string? date)
    {
        ArgumentNullException.ThrowIfNull(request);
        var builder = new StringBuilder();
        builder.Append(request.Method.ToUpperInvariant()).Append('\n')
            .Append(contentMd5).Append('\n')
            .Append(request.ContentType).Append('\n')
            .Append(date).Append('\n');
        foreach (var header in request.Headers
                     .Where(h => h.Key.StartsWith("x-mns-", StringComparison.OrdinalIgnoreCase))
                     .Select(h => (Name: h.Key.ToLowerInvariant(), Value: string.Join(",", h.Value.Select(v => v?.Trim()))))
                     .OrderBy(h => h.Name, StringComparer.Ordinal))
        {
            builder.Append(header.Name).Append(':').Append(header.Value).Append('\n');
        }

        builder.Append(request.PathBase.Value).Append(request.Path.Value).Append(request.QueryString.Value);
        return builder.ToString();
    }

    private Uri? CertificateUrl(string? header, out string? problem)
    {
        problem = null;
        string text;
        try
        {
            text = Encoding.UTF8.GetString(Convert.FromBase64String(header ?? string.Empty));
        }
        catch (FormatException)
        {
            problem = "the x-mns-signing-cert-url header is not Base64";
            return null;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.UserInfo.Length > 0)
        {
            problem = "the x-mns-signing-cert-url header is not a URL";
            return null;
        }

        var allowed = url.Scheme == Uri.UriSchemeHttps && url.IsDefaultPort && _options.EffectiveCertificateHosts.Any(h => HostMatches(h, url.IdnHost))
            || (_options.DevelopmentCertificateHost is { } dev && url.Scheme is "http" or "https"
                && string.Equals(url.Authority, dev, StringComparison.OrdinalIgnoreCase));
        if (!allowed)
        {
            problem = $"the signing certificate's host {url.Host} is not allowed (Events:Mns:AllowedCertificateHosts, https only)";
            return null;
        }

        return url;
    }

    /// <summary>A host pattern where <c>*</c> stands for characters within one label (never a dot).</summary>
    internal static bool HostMatches(string pattern, string host)
    {
        var star = pattern.IndexOf('*', StringComparison.Ordinal);
        if (star < 0)
        {
            return string.Equals(pattern, host, StringComparison.OrdinalIgnoreCase);
        }

        var head = pattern[..star];
        var tail = pattern[(star + 1)..];
        if (host.Length < head.Length + tail.Length + 1
            || !host.StartsWith(head, StringComparison.OrdinalIgnoreCase)
            || !host.EndsWith(tail, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var middle = host.AsSpan(head.Length, host.Length - head.Length - tail.Length);
        return !middle.Contains('.');
    }

    /// <summary>Content-MD5 as MNS sends it (Base64 of the hex digest) or as RFC 1864 has it (Base64 of the digest).</summary>
    private static bool BodyMatches(string contentMd5, byte[] body)
    {
        // MD5 because MNS's Content-MD5 is MD5; it binds the body to the signature, the RSA signature carries the trust.
#pragma warning disable CA5351
        var digest = MD5.HashData(body);
#pragma warning restore CA5351
        byte[] claimed;
        try
        {
            claimed = Convert.FromBase64String(contentMd5);
        }
        catch (FormatException)
        {
            return false;
        }

        if (claimed.Length == digest.Length)
        {
            return CryptographicOperations.FixedTimeEquals(claimed, digest);
        }

        var hex = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(digest));
        return claimed.Length == hex.Length
               && (CryptographicOperations.FixedTimeEquals(claimed, hex)
                   || CryptographicOperations.FixedTimeEquals(claimed, Encoding.ASCII.GetBytes(Convert.ToHexString(digest))));
    }

    private static string? Single(HttpRequest request, string name) =>
        request.Headers.TryGetValue(name, out var values) && values.Count == 1 ? values[0] : null;
}
