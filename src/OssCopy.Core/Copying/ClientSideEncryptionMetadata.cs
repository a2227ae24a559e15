namespace OssCopy.Core.Copying;

/// <summary>
/// The user metadata the official OSS encryption clients write next to client-side-encrypted content
/// (<c>x-oss-meta-client-side-encryption-*</c>: the wrapped data key and IV, the algorithms, the key description,
/// the plaintext's length and MD5, the multipart data and part sizes). Without it the copied bytes can never be
/// decrypted, so every copy keeps it, whatever the metadata directive: OSS itself keeps it on a REPLACE CopyObject,
/// and a multipart copy re-sends it on InitiateMultipartUpload (the official Python copier drops it there; we must not).
/// </summary>
public static class ClientSideEncryptionMetadata
{
    /// <summary>The common start of every name (without <c>x-oss-meta-</c>).</summary>
    public const string Prefix = "client-side-encryption-";

    public const string Key = Prefix + "key";
    public const string Start = Prefix + "start";
    public const string CekAlgorithm = Prefix + "cek-alg";
    public const string WrapAlgorithm = Prefix + "wrap-alg";
    public const string MaterialDescription = Prefix + "matdesc";
    public const string UnencryptedContentLength = Prefix + "unencrypted-content-length";
    public const string UnencryptedContentMd5 = Prefix + "unencrypted-content-md5";
    public const string DataSize = Prefix + "data-size";
    public const string PartSize = Prefix + "part-size";

    /// <summary>The names the official SDKs (Go, Python, Java, PHP v2) define today.</summary>
    public static readonly IReadOnlyList<string> Names =
        [Key, Start, CekAlgorithm, WrapAlgorithm, MaterialDescription, UnencryptedContentLength, UnencryptedContentMd5, DataSize, PartSize];

    /// <summary>
    /// True for any name under the prefix (not only <see cref="Names"/>): a name a newer SDK adds describes the
    /// ciphertext just as much, and keeping an unknown one costs nothing while losing it may cost the data.
    /// </summary>
    public static bool IsClientSideEncryption(string name) => name.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase);
}
