using System.Collections.Concurrent;
using System.Security.Cryptography;
using LocalOss.Http;

namespace LocalOss.Sts;

/// <summary>
/// Credentials issued by LocalOss's STS. OSS requests with them are accepted while they live and need their token
/// (<c>x-oss-security-token</c>); after expiry OSS answers 403 <c>SecurityTokenExpired</c> (EC 0002-00000007).
/// </summary>
internal sealed class TemporaryCredentialStore(TimeProvider time, string ownerId)
{
    private const string Alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private readonly ConcurrentDictionary<string, Issued> _issued = new(StringComparer.Ordinal);

    public int IssuedCount => _issued.Count;

    public Issued Issue(string roleArn, string sessionName, TimeSpan lifetime)
    {
        var issued = new Issued(
            "STS." + RandomNumberGenerator.GetString(Alphanumeric, 25),
            RandomNumberGenerator.GetString(Alphanumeric, 44),
            "CAIS" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(192)),
            // STS states Expiration in whole seconds.
            DateTimeOffset.FromUnixTimeSeconds((time.GetUtcNow() + lifetime).ToUnixTimeSeconds()),
            roleArn,
            sessionName);
        _issued[issued.AccessKeyId] = issued;
        return issued;
    }

    /// <summary>The account of an issued key id, null for an unknown one; throws once it has expired.</summary>
    public LocalOssAccount? Find(string accessKeyId)
    {
        if (!_issued.TryGetValue(accessKeyId, out var issued))
        {
            return null;
        }

        if (time.GetUtcNow() >= issued.Expiration)
        {
            throw new OssError(403, "SecurityTokenExpired", "The security token you provided has expired.", "0002-00000007",
                ("OSSAccessKeyId", accessKeyId));
        }

        var account = new LocalOssAccount { AccessKeyId = issued.AccessKeyId, AccessKeySecret = issued.AccessKeySecret, OwnerId = ownerId };
        account.SecurityTokens.Add(issued.SecurityToken);
        return account;
    }

    internal sealed record Issued(string AccessKeyId, string AccessKeySecret, string SecurityToken, DateTimeOffset Expiration, string RoleArn, string SessionName);
}
