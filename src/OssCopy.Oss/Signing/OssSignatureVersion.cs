namespace OssCopy.Oss.Signing;

/// <summary>The request signature algorithms OSS accepts.</summary>
public enum OssSignatureVersion
{
    /// <summary><c>OSS4-HMAC-SHA256</c>, the v2 SDKs' default.</summary>
    V4 = 0,

    /// <summary><c>OSS AccessKeyId:Signature</c> with HMAC-SHA1, ali-oss's default.</summary>
    V1 = 1,
}
