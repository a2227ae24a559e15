using System.ComponentModel.DataAnnotations;

namespace OssCopy.Core.Copying;

/// <summary>How much checking follows each copy.</summary>
public enum CopyVerification
{
    /// <summary>
    /// HEAD the destination and compare size, CRC-64, metadata and standard headers, storage class, encryption and
    /// the tag set with what the directives promised.
    /// </summary>
    Full,

    /// <summary>
    /// Compare the CRC-64 in OSS's copy answer with the source's, with no further request. Cheaper, for bulk
    /// backups whose directives are Copy; metadata and tags are then trusted to OSS.
    /// </summary>
    Crc,

    /// <summary>
    /// For bulk backups from a listing: a single copy pinned to the listed ETag is verified by the copy answer
    /// carrying that same ETag (OSS keeps a server-side copy's ETag, the content's identity), so neither source nor
    /// destination is HEADed and an object costs one request. A multipart copy, or an answer with another ETag,
    /// falls back to <see cref="Crc"/> against a HEAD of the source.
    /// </summary>
    ETag,
}

/// <summary>The copy engine's knobs. Bound from <c>CopyEngine</c> and validated at start.</summary>
public sealed class CopyEngineOptions : IValidatableObject
{
    public const string SectionName = "CopyEngine";

    public const long KiB = 1024;
    public const long MiB = 1024 * KiB;
    public const long GiB = 1024 * MiB;

    /// <summary>OSS's CopyObject limit: larger sources must be copied in parts.</summary>
    public const long MaxSingleCopySize = 5 * GiB;

    /// <summary>OSS's part limits (UploadPartCopy): 100 KiB to 5 GiB, at most 10,000 parts.</summary>
    public const long MinPartSize = 100 * KiB;
    public const long MaxPartSize = 5 * GiB;
    public const int MaxParts = 10_000;

    /// <summary>Sources of this size or larger are copied in parts; smaller ones with one CopyObject.</summary>
    public long MultipartThreshold { get; set; } = MaxSingleCopySize;

    /// <summary>The part size to start from; grown in steps of itself until the object fits in 10,000 parts.</summary>
    public long PartSize { get; set; } = 64 * MiB;

    /// <summary>Parts of one object copied at once.</summary>
    [Range(1, 64)]
    public int PartParallelism { get; set; } = 4;

    public CopyVerification Verification { get; set; } = CopyVerification.Full;

    /// <summary>How long an abort of a failed multipart copy may take (it runs even when the copy was cancelled).</summary>
    public TimeSpan AbortTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Check that source and destination buckets are in the same region before a cross-bucket copy.</summary>
    public bool CheckSameRegion { get; set; } = true;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MultipartThreshold is < 1 or > MaxSingleCopySize)
        {
            yield return new ValidationResult(
                $"MultipartThreshold must be between 1 byte and {MaxSingleCopySize} (5 GiB, OSS's CopyObject limit).", [nameof(MultipartThreshold)]);
        }

        if (PartSize is < MinPartSize or > MaxPartSize)
        {
            yield return new ValidationResult($"PartSize must be between {MinPartSize} (100 KiB) and {MaxPartSize} (5 GiB).", [nameof(PartSize)]);
        }

        if (AbortTimeout <= TimeSpan.Zero)
        {
            yield return new ValidationResult("AbortTimeout must be positive.", [nameof(AbortTimeout)]);
        }
    }

    /// <summary>Throws an <see cref="ArgumentException"/> for options used outside DI.</summary>
    public void ThrowIfInvalid()
    {
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(this, new ValidationContext(this), results, validateAllProperties: true))
        {
            throw new ArgumentException(string.Join(" ", results.Select(r => r.ErrorMessage)), results[0].MemberNames.FirstOrDefault());
        }
    }

    /// <summary>The Go copier's rule: start at <see cref="PartSize"/> and add it again while the object needs 10,000 parts or more.</summary>
    public long PartSizeFor(long objectSize)
    {
        var size = PartSize;
        while (objectSize / size >= MaxParts)
        {
            size += PartSize;
        }

        return size;
    }
}
