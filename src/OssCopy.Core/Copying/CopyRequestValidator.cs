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

        // The checks are static lambdas over the request: every copy is validated, and capturing closures cost five
        // delegate allocations per object.
        Check(errors, nameof(CopyRequest.Bucket), request, static r => OssValidation.BucketName(r.Bucket, nameof(CopyRequest.Bucket)));
        Check(errors, nameof(CopyRequest.Key), request, static r => OssValidation.ObjectKey(r.Key, nameof(CopyRequest.Key)));
        if (request.SourceBucket is not null)
        {
            Check(errors, nameof(CopyRequest.SourceBucket), request, static r => OssValidation.BucketName(r.SourceBucket, nameof(CopyRequest.SourceBucket)));
        }

        Check(errors, nameof(CopyRequest.SourceKey), request, static r => OssValidation.ObjectKey(r.SourceKey, nameof(CopyRequest.SourceKey)));
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
        ValidateArchived(request, errors);

        Check(errors, nameof(CopyRequest.StorageClass), request, static r => OssStorageClass.Normalize(r.StorageClass, nameof(CopyRequest.StorageClass)));
        Check(errors, nameof(CopyRequest.ObjectAcl), request, static r => OssObjectAcl.Normalize(r.ObjectAcl, nameof(CopyRequest.ObjectAcl)));
        var sse = Check(errors, nameof(CopyRequest.ServerSideEncryption), request,
            static r => OssServerSideEncryption.Normalize(r.ServerSideEncryption, nameof(CopyRequest.ServerSideEncryption)));
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
        var directive = Check(errors, nameof(CopyRequest.TaggingDirective), request, static r => NormalizedTaggingDirective(r));
        if (request.Tagging is null)
        {
            return;
        }

        Check(errors, nameof(CopyRequest.Tagging), request, static r => OssTagging.Parse(r.Tagging, nameof(CopyRequest.Tagging)));
        if (directive == CopyTaggingDirective.Copy)
        {
            // OSS silently ignores x-oss-tagging under the Copy directive; a user who typed tags wants them.
            errors.Add(new(nameof(CopyRequest.Tagging), "is ignored with the Copy tagging directive: set TaggingDirective to Replace (or Merge)."));
        }
    }

    private static void ValidateMetadata(CopyRequest request, List<CopyValidationError> errors)
    {
        var directive = Check(errors, nameof(CopyRequest.MetadataDirective), request, static r => NormalizedMetadataDirective(r));

        // What the Replace directive would write, each checked where it stands (no table of them per copy).
        var copy = directive == OssDirective.Copy;
        if (copy && request.Metadata is not null)
        {
            // As with tags: OSS would ignore these under COPY, so say so rather than lose them quietly.
            errors.Add(new(nameof(CopyRequest.Metadata), IgnoredUnderCopy));
        }

        CheckReplaced(errors, copy, nameof(CopyRequest.ContentType), request.ContentType);
        CheckReplaced(errors, copy, nameof(CopyRequest.CacheControl), request.CacheControl);
        CheckReplaced(errors, copy, nameof(CopyRequest.ContentDisposition), request.ContentDisposition);
        CheckReplaced(errors, copy, nameof(CopyRequest.ContentEncoding), request.ContentEncoding);
        CheckReplaced(errors, copy, nameof(CopyRequest.ContentLanguage), request.ContentLanguage);
        CheckReplaced(errors, copy, nameof(CopyRequest.Expires), request.Expires);
        CheckText(errors, nameof(CopyRequest.ContentType), request.ContentType);
        CheckText(errors, nameof(CopyRequest.CacheControl), request.CacheControl);
        CheckText(errors, nameof(CopyRequest.ContentDisposition), request.ContentDisposition);
        CheckText(errors, nameof(CopyRequest.ContentEncoding), request.ContentEncoding);
        CheckText(errors, nameof(CopyRequest.ContentLanguage), request.ContentLanguage);
        CheckText(errors, nameof(CopyRequest.Expires), request.Expires);

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
            else if (ClientSideEncryptionMetadata.IsClientSideEncryption(name))
            {
                // It describes the source's ciphertext, which a copy keeps byte for byte: the engine carries the source's over.
                errors.Add(new(nameof(CopyRequest.Metadata), $"'{name}' is client-side-encryption metadata: the copy keeps the source's, and it cannot be set."));
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

    /// <summary>The most days OSS keeps a restored object readable (Cold and Deep Cold Archive; Archive: 7).</summary>
    public const int MaxRestoreDays = 365;

    private static void ValidateArchived(CopyRequest request, List<CopyValidationError> errors)
    {
        var action = Check(errors, nameof(CopyRequest.Archived), request, static r => ArchivedSourceAction.Normalize(r.Archived, nameof(CopyRequest.Archived)));
        // KnownSourceStorageClass is not checked: it is what a listing said, and a class OSS adds later must not fail the copy.
        if (request.RestoreDays is { } days && days is < 1 or > MaxRestoreDays)
        {
            errors.Add(new(nameof(CopyRequest.RestoreDays), $"{days} is not a restore period: 1 to {MaxRestoreDays} days (Archive objects are restored for at most 7)."));
        }

        Check(errors, nameof(CopyRequest.RestoreTier), request, static r => OssCopy.Oss.Models.OssRestoreTier.Normalize(r.RestoreTier, nameof(CopyRequest.RestoreTier)));
        if (action is not null && action != ArchivedSourceAction.Restore)
        {
            // Days and tier only shape a restore; given without one, the user expected a restore that will not happen.
            if (request.RestoreDays is not null)
            {
                errors.Add(new(nameof(CopyRequest.RestoreDays), "applies only with Archived Restore."));
            }

            if (request.RestoreTier is not null)
            {
                errors.Add(new(nameof(CopyRequest.RestoreTier), "applies only with Archived Restore."));
            }
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

    private const string IgnoredUnderCopy = "is ignored with the Copy metadata directive: set MetadataDirective to Replace.";

    private static void CheckReplaced(List<CopyValidationError> errors, bool copy, string field, string? value)
    {
        if (copy && value is not null)
        {
            errors.Add(new(field, IgnoredUnderCopy));
        }
    }

    private static void CheckText(List<CopyValidationError> errors, string field, string? value)
    {
        if (value is not null && value.Any(char.IsControl))
        {
            errors.Add(new(field, "must be text without control characters."));
        }
    }

    private static void Check(List<CopyValidationError> errors, string field, CopyRequest request, Action<CopyRequest> check)
    {
        try
        {
            check(request);
        }
        catch (ArgumentException ex)
        {
            errors.Add(new(field, RuleOf(ex)));
        }
    }

    private static string? Check(List<CopyValidationError> errors, string field, CopyRequest request, Func<CopyRequest, string?> check)
    {
        try
        {
            return check(request);
        }
        catch (ArgumentException ex)
        {
            errors.Add(new(field, RuleOf(ex)));
            return null;
        }
    }

    // The OSS rules word their message with the parameter appended; keep only the rule.
    private static string RuleOf(ArgumentException ex) =>
        ex.ParamName is null ? ex.Message : ex.Message.Replace($" (Parameter '{ex.ParamName}')", string.Empty, StringComparison.Ordinal);
}
