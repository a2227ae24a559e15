namespace OssCopy.Oss.Credentials;

/// <summary>
/// An access key pair, optionally with an STS security token. The secret and the token are never
/// rendered by <see cref="ToString"/>, so credentials can be logged or put in exceptions by mistake safely.
/// </summary>
public sealed class OssCredentials
{
    public OssCredentials(string accessKeyId, string accessKeySecret, string? securityToken = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(accessKeyId);
        ArgumentException.ThrowIfNullOrEmpty(accessKeySecret);
        AccessKeyId = accessKeyId;
        AccessKeySecret = accessKeySecret;
        SecurityToken = string.IsNullOrEmpty(securityToken) ? null : securityToken;
    }

    public string AccessKeyId { get; }

    public string AccessKeySecret { get; }

    public string? SecurityToken { get; }

    public bool HasSecurityToken => SecurityToken is not null;

    /// <summary>When temporary (STS) credentials stop working; <c>null</c> for long-lived keys.</summary>
    public DateTimeOffset? Expiration { get; init; }

    public override string ToString() =>
        $"OssCredentials {{ AccessKeyId = {AccessKeyId}, AccessKeySecret = ***, SecurityToken = {(HasSecurityToken ? "***" : "(none)")} }}";
}
