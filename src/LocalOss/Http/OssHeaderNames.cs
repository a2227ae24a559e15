namespace LocalOss.Http;

/// <summary>
/// OSS header names LocalOss reads or answers, kept apart from the client's own constants (design.md) so a typo
/// cannot hide on both sides of a test.
/// </summary>
internal static class OssHeaderNames
{
    public const string ContentType = "Content-Type";

    public const string MetaPrefix = "x-oss-meta-";

    /// <summary>
    /// The prefix of the metadata the client-side-encryption clients write (key, start, cek-alg, wrap-alg, matdesc,
    /// unencrypted-content-length, unencrypted-content-md5, data-size, part-size): OSS keeps it through a copy.
    /// </summary>
    public const string ClientSideEncryptionPrefix = "x-oss-meta-client-side-encryption-";

    public const string Restore = "x-oss-restore";

    public const string ObjectRestorePriority = "x-oss-object-restore-priority";
}
