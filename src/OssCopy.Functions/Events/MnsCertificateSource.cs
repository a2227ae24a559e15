using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using OssCopy.Functions.Configuration;

namespace OssCopy.Functions.Events;

/// <summary>
/// Downloads MNS signing certificates (an <see cref="IHttpClientFactory"/> client, no redirects, size-capped) and
/// caches each by its URL. A failed download is not cached, so the next delivery tries again.
/// </summary>
public sealed class MnsCertificateSource
{
    public const string HttpClientName = "OssCopy.Functions.MnsCertificates";

    private readonly IHttpClientFactory _clients;
    private readonly MnsOptions _options;
    private readonly ConcurrentDictionary<string, Lazy<Task<X509Certificate2>>> _cache = new(StringComparer.Ordinal);

    public MnsCertificateSource(IHttpClientFactory clients, IOptions<EventOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _clients = clients ?? throw new ArgumentNullException(nameof(clients));
        _options = options.Value.Mns;
    }

    /// <summary>How many certificates were downloaded (tests check the cache with it).</summary>
    public int Downloads => _downloads;

    private int _downloads;

    public async Task<X509Certificate2> GetAsync(Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        var key = url.AbsoluteUri;
        var entry = _cache.GetOrAdd(key, _ => new Lazy<Task<X509Certificate2>>(() => DownloadAsync(url)));
        try
        {
            return await entry.Value.WaitAsync(cancellationToken);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            _cache.TryRemove(new KeyValuePair<string, Lazy<Task<X509Certificate2>>>(key, entry));
            throw;
        }
    }

    // Not tied to one delivery's cancellation: the download is shared by every delivery that waits for it.
    private async Task<X509Certificate2> DownloadAsync(Uri url)
    {
        Interlocked.Increment(ref _downloads);
        var client = _clients.CreateClient(HttpClientName);
        using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"the certificate URL answered {(int)response.StatusCode}");
        }

        if (response.Content.Headers.ContentLength > _options.MaxCertificateBytes)
        {
            throw new HttpRequestException($"the certificate is larger than {_options.MaxCertificateBytes} bytes");
        }

        await using var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[_options.MaxCertificateBytes + 1];
        var length = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer.AsMemory(length))) > 0)
        {
            length += read;
            if (length > _options.MaxCertificateBytes)
            {
                throw new HttpRequestException($"the certificate is larger than {_options.MaxCertificateBytes} bytes");
            }
        }

        return X509CertificateLoader.LoadCertificate(buffer.AsSpan(0, length));
    }
}
