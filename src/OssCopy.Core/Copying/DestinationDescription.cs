using OssCopy.Oss;

namespace OssCopy.Core.Copying;

/// <summary>
/// What the destination of one copy must look like, worked out once from the source's HEAD and the request by
/// <see cref="DestinationDescriptionBuilder"/>. The single CopyObject request, the multipart Initiate request and
/// the verifier all read this one description, so the two strategies cannot drift apart and verification checks
/// exactly what was asked for.
/// </summary>
public sealed class DestinationDescription
{
    /// <summary><see cref="OssDirective.Copy"/> or <see cref="OssDirective.Replace"/>.</summary>
    public required string MetadataDirective { get; init; }

    /// <summary>
    /// The destination's Content-Type. Null only when the source's is unknown (a source taken from a listing, not
    /// HEADed) and the request names none: then OSS chooses (it keeps the source's) and nothing checks it.
    /// </summary>
    public string? ContentType { get; init; }

    /// <summary>The standard headers below are absent on the destination when null.</summary>
    public string? CacheControl { get; init; }

    public string? ContentDisposition { get; init; }

    public string? ContentEncoding { get; init; }

    public string? ContentLanguage { get; init; }

    public string? Expires { get; init; }

    /// <summary>
    /// Every user metadata entry the destination must carry and no other (names without <c>x-oss-meta-</c>,
    /// compared case-insensitively): the source's or the request's, the source's client-side-encryption entries
    /// always, and the engine's source-ETag record when the copy writes one.
    /// </summary>
    public required IReadOnlyDictionary<string, string> Metadata { get; init; }

    /// <summary>The tags the destination must have; null when nobody worked them out (a single copy under Copy, not fully verified).</summary>
    public OssTagging? Tags { get; init; }

    /// <summary>The request's; null leaves the destination bucket's default.</summary>
    public string? ObjectAcl { get; init; }

    /// <summary>The request's; null leaves the destination bucket's default (not the source's class).</summary>
    public string? StorageClass { get; init; }

    public string? ServerSideEncryption { get; init; }

    public string? ServerSideDataEncryption { get; init; }

    public string? ServerSideEncryptionKeyId { get; init; }

    /// <summary>True for <see cref="OssDirective.Replace"/>: the request must state the standard headers and metadata itself.</summary>
    public bool ReplacesMetadata => MetadataDirective == OssDirective.Replace;

    /// <summary>
    /// The metadata a REPLACE CopyObject sends: <see cref="Metadata"/> without the client-side-encryption entries,
    /// which OSS keeps on its own and refuses to have changed through a copy.
    /// </summary>
    public IReadOnlyDictionary<string, string>? MetadataForCopyObject()
    {
        var sent = Metadata.Where(m => !ClientSideEncryptionMetadata.IsClientSideEncryption(m.Key)).ToDictionary(StringComparer.OrdinalIgnoreCase);
        return sent.Count == 0 ? null : sent;
    }
}
