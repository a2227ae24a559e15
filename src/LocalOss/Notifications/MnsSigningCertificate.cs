using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace LocalOss.Notifications;

/// <summary>
/// The DEVELOPMENT key MNS-format notifications are signed with: an RSA key and a self-signed certificate made at
/// start, served by LocalOss at <see cref="Path"/>. The path carries the certificate's thumbprint, so a receiver that
/// caches certificates by URL (as it should) never checks a new key against an old certificate after a restart.
/// </summary>
internal sealed class MnsSigningCertificate : IDisposable
{
    public const string PathPrefix = "/_mns/";

    private readonly RSA _key;

    public MnsSigningCertificate(TimeProvider time)
    {
        _key = RSA.Create(2048);
        var request = new CertificateRequest("CN=LocalOss MNS development signing (not for production)", _key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var now = time.GetUtcNow();
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
        Pem = certificate.ExportCertificatePem();
        Path = $"{PathPrefix}cert-{certificate.Thumbprint.ToLowerInvariant()}.pem";
    }

    /// <summary>The certificate, PEM-encoded (as MNS serves <c>x509_public_certificate.pem</c>).</summary>
    public string Pem { get; }

    /// <summary>Where LocalOss serves <see cref="Pem"/>: <c>/_mns/cert-{thumbprint}.pem</c>.</summary>
    public string Path { get; }

    /// <summary>LocalOss's own address, known once it listens (port 0 picks one at start).</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>The certificate's full URL, for <c>x-mns-signing-cert-url</c>.</summary>
    public Uri Url => new(BaseAddress ?? throw new InvalidOperationException("LocalOss has not started yet."), Path);

    /// <summary>RSA-SHA1 (PKCS#1 v1.5), what MNS signs push requests with.</summary>
    public byte[] Sign(byte[] data) => _key.SignData(data, HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1);

    public void Dispose() => _key.Dispose();
}
