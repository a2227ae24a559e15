using OssCopy.Oss;

namespace OssCopy.Core.Copying;

/// <summary>
/// Checks a <see cref="CopyRequest"/> before any OSS call and names every problem by its field, so a bad request
/// costs no round trip and a caller (a CLI user, an HTTP client) can fix all of it at once.
/// </summary>
public static class CopyRequestValidator
{
    /// <summary>The metadata name the engine writes when asked to record the source's ETag.</summary>
    public const string SourceETagMetadata = "osscopy-source-etag";

    /// <summary>OSS's limit on an object's user metadata, names and values together.</summary>
    public const int MaxMetadataBytes = 8 * 1024;

    public static IReadOnlyList<CopyValidationError> Validate(CopyRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new List<CopyValidationError>();

        Check(errors, nameof(CopyRequest.Bucket), () => OssValidation.BucketName(request.Bucket, nameof(CopyRequest.Bucket)));
        Check(errors, nameof(CopyRequest.Key), () => OssValidation.ObjectKey(request.Key, nameof(CopyRequest.Key)));
        if (request.SourceBucket is not null)
        {
            Check(errors, nameof(CopyRequest.SourceBucket), () => OssValidation.BucketName(request.SourceBucket, nameof(CopyRequest.SourceBucket)));
        }

        Check(errors, nameof(CopyRequest.SourceKey), () => OssValidation.ObjectKey(request.SourceKey, nameof(CopyRequest.SourceKey)));
        if (request.SourceVersionId is { } version && string.IsNullOrWhiteSpace(version))
        {
            errors.Add(new(nameof(CopyRequest.SourceVersionId), "must not be empty when given."));
        }

        if (request.ExpectedSourceETag is { } etag && string.IsNullOrWhiteSpace(etag))
        {
            errors.Add(new(nameof(CopyRequest.ExpectedSourceETag), "must not be empty when given."));
        }

        if (request.KnownSourceSize is < 0)
        {
            errors.Add(new(nameof(CopyRequest.KnownSourceSize), "must not be negative."));
        }

        ValidateTagging(request, errors);
        ValidateMetadata(request, errors);

        Check(errors, nameof(CopyRequest.StorageClass), () => OssStorageClass.Normalize(request.StorageClass, nameof(CopyRequest.StorageClass)));
        Check(errors, nameof(CopyRequest.ObjectAcl), () => OssObjectAcl.Normalize(request.ObjectAcl, nameof(CopyRequest.ObjectAcl)));
        string? sse = null;
        Check(errors, nameof(CopyRequest.ServerSideEncryption), () => sse = OssServerSideEncryption.Normalize(request.ServerSideEncryption, nameof(CopyRequest.ServerSideEncryption)));
        if (sse != OssServerSideEncryption.KMS)
        {
            if (request.ServerSideEncryptionKeyId is not null)
            {
                errors.Add(new(nameof(CopyRequest.ServerSideEncryptionKeyId), "applies only with ServerSideEncryption KMS."));
            }

            if (request.ServerSideDataEncryption is not null)
            {
                errors.Add(new(nameof(CopyRequest.ServerSideDataEncryption), "applies only with ServerSideEncryption KMS."));
            }
        }

        if (request.ServerSideDataEncryption is { } data && !data.Equals(OssServerSideEncryption.SM4, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add(new(nameof(CopyRequest.ServerSideDataEncryption), $"'{data}' is not a data encryption algorithm: only SM4."));
        }

        if (errors.Count == 0 && IsSelfCopyWithoutChange(request))
        {
            errors.Add(new(nameof(CopyRequest.Key),
                "the destination is the source itself; copying an object onto itself needs a Replace directive, a storage class or an encryption to change."));
        }

        return errors;
    }

    /// <summary>Throws a <see cref="CopyValidationException"/> listing every problem.</summary>
    public static void ThrowIfInvalid(CopyRequest request)
    {
        var errors = Validate(request);
        if (errors.Count > 0)
        {
            throw new CopyValidationException(errors);
        }
    }

    internal static string NormalizedTaggingDirective(CopyRequest request) =>
        OssValidation.OneOf(request.TaggingDirective, CopyTaggingDirective.All, nameof(CopyRequest.TaggingDirective)) ?? CopyTaggingDirective.Copy;

    internal static string NormalizedMetadataDirective(CopyRequest request) =>
        OssDirective.Normalize(request.MetadataDirective, nameof(CopyRequest.MetadataDirective)) ?? OssDirective.Copy;

    private static void ValidateTagging(CopyRequest request, List<CopyValidationError> errors)
    {
        string? directive = null;
        Check(errors, nameof(CopyRequest.TaggingDirective), () => directive = NormalizedTaggingDirective(request));
        if (request.Tagging is null)
        {
            return;
        }

        Check(errors, nameof(CopyRequest.Tagging), () => OssTagging.Parse(request.Tagging, nameof(CopyRequest.Tagging)));
        if (directive == CopyTaggingDirective.Copy)
        {
            // OSS silently ignores x-oss-tagging under the Copy directive; a user who typed tags wants them.
            errors.Add(new(nameof(CopyRequest.Tagging), "is ignored with the Copy tagging directive: set TaggingDirective to Replace (or Merge)."));
        }
    }

    private static void ValidateMetadata(CopyRequest request, List<CopyValidationError> errors)
    {
        string? directive = null;
        Check(errors, nameof(CopyRequest.MetadataDirective), () => directive = NormalizedMetadataDirective(request));
        var replaced = new (string Field, object? Value)[]
        {
            (nameof(CopyRequest.Metadata), request.Metadata),
            (nameof(CopyRequest.ContentType), request.ContentType),
            (nameof(CopyRequest.CacheControl), request.CacheControl),
            (nameof(CopyRequest.ContentDisposition), request.ContentDisposition),
            (nameof(CopyRequest.ContentEncoding), request.ContentEncoding),
            (nameof(CopyRequest.ContentLanguage), request.ContentLanguage),
            (nameof(CopyRequest.Expires), request.Expires),
        };
        if (directive == OssDirective.Copy)
        {
            foreach (var (field, value) in replaced)
            {
                if (value is not null)
                {
                    // As with tags: OSS would ignore these under COPY, so say so rather than lose them quietly.
                    errors.Add(new(field, "is ignored with the Copy metadata directive: set MetadataDirective to Replace."));
                }
            }
        }

        foreach (var (field, value) in replaced.Skip(1))
        {
            if (value is string text && text.Any(char.IsControl))
            {
                errors.Add(new(field, "must be text without control characters."));
            }
        }

        if (request.Metadata is null)
        {
            return;
        }

        var total = 0;
        foreach (var (name, value) in request.Metadata)
        {
            // The client's rules (OssClient refuses the same): names of letters, digits and '-'; values without control characters; 8 KB in all.
            if (string.IsNullOrEmpty(name) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                errors.Add(new(nameof(CopyRequest.Metadata), $"'{name}' is not a valid metadata name: letters, digits and '-' only."));
            }
            else if (request.RecordSourceETag && name.Equals(SourceETagMetadata, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add(new(nameof(CopyRequest.Metadata), $"'{name}' is written by the engine when RecordSourceETag is set."));
            }

            if (value is null || value.Any(char.IsControl))
            {
                errors.Add(new(nameof(CopyRequest.Metadata), $"the value of '{name}' must be text without control characters."));
            }

            total += System.Text.Encoding.UTF8.GetByteCount(name ?? string.Empty) + System.Text.Encoding.UTF8.GetByteCount(value ?? string.Empty);
        }

        if (total > MaxMetadataBytes)
        {
            errors.Add(new(nameof(CopyRequest.Metadata), $"is {total} bytes; OSS allows at most {MaxMetadataBytes} of user metadata."));
        }
    }

    private static bool IsSelfCopyWithoutChange(CopyRequest request) =>
        (request.SourceBucket ?? request.Bucket) == request.Bucket
        && request.SourceKey == request.Key
        && request.SourceVersionId is null
        && NormalizedMetadataDirective(request) == OssDirective.Copy
        && NormalizedTaggingDirective(request) == CopyTaggingDirective.Copy
        && request.StorageClass is null
        && request.ServerSideEncryption is null;

    private static void Check(List<CopyValidationError> errors, string field, Action check)
    {
        try
        {
            check();
        }
        catch (ArgumentException ex)
        {
            // The OSS rules word their message with the parameter appended; keep only the rule.
            var message = ex.ParamName is null ? ex.Message : ex.Message.Replace($" (Parameter '{ex.ParamName}')", string.Empty, StringComparison.Ordinal);
            errors.Add(new(field, message));
        }
    }

}
