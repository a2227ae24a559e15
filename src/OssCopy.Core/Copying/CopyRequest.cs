using OssCopy.Oss.Models;

namespace OssCopy.Core.Copying;

/// <summary>
/// One object to copy: the official SDKs' <c>CopyObjectRequest</c> (destination and source, forbid overwrite,
/// tagging and its directive) plus the source version, the metadata directive with its values, storage class,
/// ACL and server-side encryption. What it says about the destination object is the client's
/// <see cref="ObjectWriteRequest"/>; <c>Tagging</c> serves the Replace and Merge tagging directives.
/// Directives and enumerations are compared case-insensitively, as OSS does.
/// </summary>
public sealed class CopyRequest : ObjectWriteRequest
{
    /// <summary>The source bucket; the destination bucket when null.</summary>
    public string? SourceBucket { get; init; }

    public required string SourceKey { get; init; }

    /// <summary>Copy this version of the source (versioned buckets); the current one when null.</summary>
    public string? SourceVersionId { get; init; }

    /// <summary>
    /// <see cref="CopyTaggingDirective.Copy"/> (default: the source's tags), <see cref="CopyTaggingDirective.Replace"/>
    /// (exactly <c>Tagging</c>) or <see cref="CopyTaggingDirective.Merge"/> (the source's tags with
    /// <c>Tagging</c> added; on equal keys the request wins).
    /// </summary>
    public string? TaggingDirective { get; init; }

    /// <summary><c>Copy</c> (default: the source's metadata and standard headers) or <c>Replace</c> (this request's).</summary>
    public string? MetadataDirective { get; init; }

    /// <summary>
    /// Write the source's ETag into the destination's metadata (<c>x-oss-meta-osscopy-source-etag</c>) when the copy
    /// gives the destination another ETag (multipart copies), so a later incremental run can tell it is unchanged.
    /// </summary>
    public bool RecordSourceETag { get; init; }

    /// <summary>
    /// When set, the copy happens only if the source still has this ETag (a backup passes the ETag it listed);
    /// otherwise the ETag the engine's own HEAD saw is used. Either way every copy is pinned.
    /// </summary>
    public string? ExpectedSourceETag { get; init; }

    /// <summary>
    /// The source's size as the caller listed it. With <see cref="ExpectedSourceETag"/> and
    /// <see cref="CopyVerification.ETag"/> it lets the engine choose the strategy without a HEAD.
    /// </summary>
    public long? KnownSourceSize { get; init; }

    /// <summary>
    /// The source's storage class as the caller listed it (ListObjectsV2 gives it). An archived class makes the engine
    /// HEAD the source (to read <c>x-oss-restore</c>) even when size and ETag would have spared the HEAD, unless
    /// <see cref="Archived"/> is <c>Fail</c>.
    /// </summary>
    public string? KnownSourceStorageClass { get; init; }

    /// <summary>
    /// What to do with an Archive, Cold Archive or Deep Cold Archive source that is not restored (OSS refuses to copy
    /// it, 403 InvalidObjectState): <see cref="ArchivedSourceAction.Fail"/> (default: the copy fails with OSS's error),
    /// <see cref="ArchivedSourceAction.Skip"/> (<see cref="CopyStatus.Skipped"/>, nothing sent) or
    /// <see cref="ArchivedSourceAction.Restore"/> (RestoreObject, <see cref="CopyStatus.Restoring"/>; a later copy
    /// succeeds once the restore is done).
    /// </summary>
    public string? Archived { get; init; }

    /// <summary>With <c>Archived = Restore</c>: days the restored copy stays readable (1 by default; 1–365, Archive objects at most 7).</summary>
    public int? RestoreDays { get; init; }

    /// <summary>
    /// With <c>Archived = Restore</c>: <c>Expedited</c>, <c>Standard</c> or <c>Bulk</c>, sent for Cold Archive and Deep Cold
    /// Archive sources only (OSS refuses a tier for Archive); OSS's default (Standard) when null.
    /// </summary>
    public string? RestoreTier { get; init; }

    public override string ToString() =>
        $"oss://{SourceBucket ?? Bucket}/{SourceKey}{(SourceVersionId is null ? string.Empty : "?versionId=" + SourceVersionId)} -> oss://{Bucket}/{Key}";
}

/// <summary>The engine's tagging directives: OSS's two plus Merge, which the engine carries out as a Replace.</summary>
public static class CopyTaggingDirective
{
    public const string Copy = "Copy";
    public const string Replace = "Replace";
    public const string Merge = "Merge";

    public static readonly IReadOnlyList<string> All = [Copy, Replace, Merge];
}

/// <summary>What a copy does with an archived source that is not restored (<see cref="CopyRequest.Archived"/>).</summary>
public static class ArchivedSourceAction
{
    /// <summary>Copy anyway: OSS answers 403 InvalidObjectState and the copy is <see cref="CopyStatus.Failed"/> with that error.</summary>
    public const string Fail = "Fail";

    /// <summary>Send nothing: the copy is <see cref="CopyStatus.Skipped"/> with <see cref="CopySkipReason.Archived"/>.</summary>
    public const string Skip = "Skip";

    /// <summary>Restore it (or find it restoring): the copy is <see cref="CopyStatus.Restoring"/>; copy again once restored.</summary>
    public const string Restore = "Restore";

    public static readonly IReadOnlyList<string> All = [Fail, Skip, Restore];

    /// <summary>The canonical spelling (case-insensitive), <see cref="Fail"/> for null; throws naming the values for anything else.</summary>
    public static string Normalize(string? value, string paramName) => OssCopy.Oss.OssValidation.OneOf(value, All, paramName) ?? Fail;
}
