namespace OssCopy.Oss;

/// <summary>Values of <c>x-oss-metadata-directive</c> and <c>x-oss-tagging-directive</c>.</summary>
public static class OssDirective
{
    public const string Copy = "Copy";
    public const string Replace = "Replace";

    /// <summary>Normalises a directive (OSS compares case-insensitively); null for null, throws for anything else.</summary>
    public static string? Normalize(string? value, string paramName) => value switch
    {
        null => null,
        _ when value.Equals(Copy, StringComparison.OrdinalIgnoreCase) => Copy,
        _ when value.Equals(Replace, StringComparison.OrdinalIgnoreCase) => Replace,
        _ => throw new ArgumentException($"'{value}' is not a directive: use Copy or Replace.", paramName),
    };
}

/// <summary>Values of <c>x-oss-storage-class</c>.</summary>
public static class OssStorageClass
{
    public const string Standard = "Standard";
    public const string IA = "IA";
    public const string Archive = "Archive";
    public const string ColdArchive = "ColdArchive";
    public const string DeepColdArchive = "DeepColdArchive";

    public static readonly IReadOnlyList<string> All = [Standard, IA, Archive, ColdArchive, DeepColdArchive];

    public static string? Normalize(string? value, string paramName) => OssValidation.OneOf(value, All, paramName);
}

/// <summary>Values of <c>x-oss-server-side-encryption</c>.</summary>
public static class OssServerSideEncryption
{
    public const string AES256 = "AES256";
    public const string KMS = "KMS";
    public const string SM4 = "SM4";

    public static readonly IReadOnlyList<string> All = [AES256, KMS, SM4];

    public static string? Normalize(string? value, string paramName) => OssValidation.OneOf(value, All, paramName);
}

/// <summary>Values of <c>x-oss-object-acl</c>.</summary>
public static class OssObjectAcl
{
    public const string Default = "default";
    public const string Private = "private";
    public const string PublicRead = "public-read";
    public const string PublicReadWrite = "public-read-write";

    public static readonly IReadOnlyList<string> All = [Default, Private, PublicRead, PublicReadWrite];

    public static string? Normalize(string? value, string paramName) => OssValidation.OneOf(value, All, paramName);
}

/// <summary>Header names the client reads and writes.</summary>
public static class OssHeaders
{
    public const string RequestId = "x-oss-request-id";
    public const string ErrorCodeEc = "x-oss-ec";
    public const string ErrorBody = "x-oss-err";
    public const string HashCrc64 = "x-oss-hash-crc64ecma";
    public const string VersionId = "x-oss-version-id";
    public const string CopySource = "x-oss-copy-source";
    public const string CopySourceRange = "x-oss-copy-source-range";
    public const string CopySourceVersionId = "x-oss-copy-source-version-id";
    public const string CopySourceIfMatch = "x-oss-copy-source-if-match";
    public const string CopySourceIfNoneMatch = "x-oss-copy-source-if-none-match";
    public const string CopySourceIfModifiedSince = "x-oss-copy-source-if-modified-since";
    public const string CopySourceIfUnmodifiedSince = "x-oss-copy-source-if-unmodified-since";
    public const string ForbidOverwrite = "x-oss-forbid-overwrite";
    public const string MetadataDirective = "x-oss-metadata-directive";
    public const string Tagging = "x-oss-tagging";
    public const string TaggingDirective = "x-oss-tagging-directive";
    public const string TaggingCount = "x-oss-tagging-count";
    public const string ServerSideEncryption = "x-oss-server-side-encryption";
    public const string ServerSideDataEncryption = "x-oss-server-side-data-encryption";
    public const string ServerSideEncryptionKeyId = "x-oss-server-side-encryption-key-id";
    public const string ObjectAcl = "x-oss-object-acl";
    public const string StorageClass = "x-oss-storage-class";
    public const string ObjectType = "x-oss-object-type";
    public const string DeleteMarker = "x-oss-delete-marker";
    public const string MetaPrefix = "x-oss-meta-";
    public const string BucketAcl = "x-oss-acl";
    public const string TrafficLimit = "x-oss-traffic-limit";
    public const string RequestPayer = "x-oss-request-payer";
    public const string NextAppendPosition = "x-oss-next-append-position";
    public const string CompleteAll = "x-oss-complete-all";
}
