using OssCopy.Oss;
using OssCopy.Oss.Models;

namespace OssCopy.Core.Copying;

/// <summary>
/// Builds the one <see cref="DestinationDescription"/> of a copy. OSS's rules, as CopyObject applies them and as a
/// multipart copy (whose parts carry nothing) must re-apply them on InitiateMultipartUpload:
/// <list type="bullet">
/// <item>COPY: the source's standard headers (Content-Type, Cache-Control, Content-Disposition, Content-Encoding,
/// Content-Language, Expires) and user metadata.</item>
/// <item>REPLACE: Content-Type from the request, else the source's; the other standard headers and the user
/// metadata from the request alone (absent when it has none).</item>
/// <item>Client-side-encryption metadata: the source's, always (see <see cref="ClientSideEncryptionMetadata"/>).</item>
/// <item>Tags as resolved for the tagging directive; ACL, storage class and server-side encryption from the request.</item>
/// <item>A multipart copy asked to record the source's ETag carries it in <c>x-oss-meta-osscopy-source-etag</c>.</item>
/// </list>
/// </summary>
public static class DestinationDescriptionBuilder
{
    /// <param name="request">The (validated) copy request.</param>
    /// <param name="source">The source as HEAD saw it (or as listed, when the engine skipped the HEAD).</param>
    /// <param name="tags">The tags the destination must have, resolved for the tagging directive; null when not worked out.</param>
    /// <param name="strategy">How the copy is made: only a multipart copy records the source's ETag (a single copy keeps it as its own).</param>
    /// <param name="pinnedETag">The source ETag the copy is pinned to.</param>
    public static DestinationDescription Build(CopyRequest request, OssObjectProperties source, OssTagging? tags, CopyStrategy strategy, string? pinnedETag)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(source);
        var directive = CopyRequestValidator.NormalizedMetadataDirective(request);
        var copy = directive == OssDirective.Copy;

        // Made only when there is an entry to hold: most sources carry no user metadata, and a dictionary (with a
        // boxed enumerator over an empty one) for each of them was a part of the engine's allocations per object.
        Dictionary<string, string>? metadata = null;
        if (copy)
        {
            if (source.Metadata.Count > 0)
            {
                metadata = NewMetadata();
                foreach (var (name, value) in source.Metadata)
                {
                    metadata[name] = value;
                }
            }
        }
        else
        {
            if (request.Metadata is { Count: > 0 } requested)
            {
                metadata = NewMetadata();
                foreach (var (name, value) in requested)
                {
                    metadata[name] = value;
                }
            }

            // Set after the request's entries: they describe the source's ciphertext, which the copy keeps byte for byte
            // (the validator refuses a request that names them, so nothing is overruled here in practice).
            if (source.Metadata.Count > 0)
            {
                foreach (var (name, value) in source.Metadata)
                {
                    if (ClientSideEncryptionMetadata.IsClientSideEncryption(name))
                    {
                        (metadata ??= NewMetadata())[name] = value;
                    }
                }
            }
        }

        if (strategy == CopyStrategy.Multipart && request.RecordSourceETag && pinnedETag is not null)
        {
            (metadata ??= NewMetadata())[CopyRequestValidator.SourceETagMetadata] = pinnedETag;
        }

        return new DestinationDescription
        {
            MetadataDirective = directive,
            ContentType = copy ? source.ContentType : request.ContentType ?? source.ContentType,
            CacheControl = copy ? source.CacheControl : request.CacheControl,
            ContentDisposition = copy ? source.ContentDisposition : request.ContentDisposition,
            ContentEncoding = copy ? source.ContentEncoding : request.ContentEncoding,
            ContentLanguage = copy ? source.ContentLanguage : request.ContentLanguage,
            Expires = copy ? source.Expires : request.Expires,
            Metadata = (IReadOnlyDictionary<string, string>?)metadata ?? NoMetadata,
            Tags = tags,
            ObjectAcl = request.ObjectAcl,
            StorageClass = request.StorageClass,
            ServerSideEncryption = request.ServerSideEncryption,
            ServerSideDataEncryption = request.ServerSideDataEncryption,
            ServerSideEncryptionKeyId = request.ServerSideEncryptionKeyId,
        };
    }

    private static Dictionary<string, string> NewMetadata() => new(StringComparer.OrdinalIgnoreCase);

    // Shared by every description without metadata; read-only, so no reader can add to another copy's entries.
    private static readonly IReadOnlyDictionary<string, string> NoMetadata = NewMetadata().AsReadOnly();
}
