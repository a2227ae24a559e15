using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace OssCopy.Identity.Tests;

/// <summary>A local OIDC issuer: an RSA key of its own, its JWKS in a file, and RS256 tokens minted on demand.</summary>
public sealed class TestIssuer : IDisposable
{
    public const string Issuer = "https://login.test.local/tenant-1/v2.0";
    public const string Audience = "api://AzureADTokenExchange";
    public const string ProviderArn = "acs:ram::1234567890123456:oidc-provider/entra-test";
    public const string RoleArn = "acs:ram::1234567890123456:role/osscopy-backup";
    public const string KeyId = "test-key-1";

    private readonly RSA _key = RSA.Create(2048);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "osscopy-oidc-" + Guid.NewGuid().ToString("N"));

    public TestIssuer()
    {
        Directory.CreateDirectory(_folder);
        JwksFile = Path.Combine(_folder, "jwks.json");
        var p = _key.ExportParameters(false);
        File.WriteAllText(JwksFile, JsonSerializer.Serialize(new
        {
            keys = new[] { new { kty = "RSA", use = "sig", alg = "RS256", kid = KeyId, n = Base64Url(p.Modulus!), e = Base64Url(p.Exponent!) } },
        }));
    }

    public string JwksFile { get; }

    /// <summary>LocalOss in process with an STS that trusts this issuer (its JWKS file) for <see cref="RoleArn"/>.</summary>
    public Task<LocalOss.LocalOssServer> StartLocalOssAsync(ILoggerProvider logs, TimeSpan? credentialLifetime = null)
    {
        var options = new LocalOss.LocalOssOptions { Port = 0, DataDirectory = null };
        var provider = new LocalOss.Sts.LocalOssOidcProvider { Arn = ProviderArn, Issuer = Issuer, JwksFile = JwksFile };
        provider.Audiences.Add(Audience);
        options.Sts.OidcProviders.Add(provider);
        var role = new LocalOss.Sts.LocalOssRole { Arn = RoleArn };
        role.TrustedProviderArns.Add(ProviderArn);
        options.Sts.Roles.Add(role);
        options.Sts.CredentialLifetime = credentialLifetime;
        return LocalOss.LocalOssServer.StartAsync(options, logging => logging.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
    }

    /// <summary>Writes a token to a file, as a platform projects it (ALIBABA_CLOUD_OIDC_TOKEN_FILE).</summary>
    public string WriteTokenFile(string token)
    {
        var path = Path.Combine(_folder, "token-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, token);
        return path;
    }

    public string Mint(string issuer = Issuer, string audience = Audience, TimeSpan? lifetime = null, TimeSpan? notBeforeIn = null, RSA? signWith = null,
        string kid = KeyId, string alg = "RS256")
    {
        var now = DateTimeOffset.UtcNow;
        var header = JsonSerializer.Serialize(new { alg, kid, typ = "JWT" });
        var payload = JsonSerializer.Serialize(new
        {
            iss = issuer,
            aud = audience,
            sub = "managed-identity-object-id",
            iat = now.ToUnixTimeSeconds(),
            nbf = (now + (notBeforeIn ?? TimeSpan.Zero)).ToUnixTimeSeconds(),
            exp = (now + (lifetime ?? TimeSpan.FromMinutes(10))).ToUnixTimeSeconds(),
        });
        var signed = Base64Url(Encoding.UTF8.GetBytes(header)) + "." + Base64Url(Encoding.UTF8.GetBytes(payload));
        var signature = (signWith ?? _key).SignData(Encoding.ASCII.GetBytes(signed), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signed + "." + Base64Url(signature);
    }

    public void Dispose()
    {
        _key.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
