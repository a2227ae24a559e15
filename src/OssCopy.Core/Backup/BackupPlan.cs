using OssCopy.Core.Copying;

namespace OssCopy.Core.Backup;

/// <summary>
/// A backup plan: every object under a source bucket/prefix is kept copied to a destination bucket/prefix.
/// Settable properties so the same class loads from JSON and binds from app settings (the functions' plans).
/// </summary>
public sealed class BackupPlan
{
    /// <summary>Names the plan in reports, checkpoints and the <c>{plan}</c> placeholder: letters, digits, '.', '_' and '-'.</summary>
    public string Name { get; set; } = string.Empty;

    public BucketLocation Source { get; set; } = new();

    public BucketLocation Destination { get; set; } = new();

    /// <summary>Globs over keys relative to the source prefix; when any are given, only matching keys are backed up.</summary>
    public List<string> Include { get; set; } = [];

    /// <summary>Globs over keys relative to the source prefix; a matching key is never backed up.</summary>
    public List<string> Exclude { get; set; } = [];

    public BackupCopyOptions Options { get; set; } = new();

    /// <summary>Ordered: the first rule that matches a source object decides its tags; none matching means Copy.</summary>
    public List<TagRule> TagRules { get; set; } = [];

    /// <summary>How to reach OSS, for hosts that take it from the plan (the CLI); the functions use their settings.</summary>
    public PlanConnection? Oss { get; set; }

    public override string ToString() => $"{Name}: oss://{Source.Bucket}/{Source.Prefix} -> oss://{Destination.Bucket}/{Destination.Prefix}";
}

public sealed class BucketLocation
{
    public string Bucket { get; set; } = string.Empty;

    /// <summary>A key prefix, usually ending in '/'; empty for the whole bucket.</summary>
    public string Prefix { get; set; } = string.Empty;
}

/// <summary>What every copy of the plan asks for.</summary>
public sealed class BackupCopyOptions
{
    /// <summary>The destination storage class (<c>IA</c>, <c>Archive</c>, …); the bucket's default when null.</summary>
    public string? StorageClass { get; set; }

    public string? ObjectAcl { get; set; }

    public string? ServerSideEncryption { get; set; }

    public string? ServerSideDataEncryption { get; set; }

    public string? ServerSideEncryptionKeyId { get; set; }

    /// <summary>Refuse to overwrite a destination object that exists but differs (it is then reported as failed).</summary>
    public bool ForbidOverwrite { get; set; }

    /// <summary>
    /// ETag (the copy answer's ETag is the listed one the copy was pinned to; one request per object), Crc (the
    /// answer's CRC-64 against a HEAD of the source) or Full (also HEAD the destination and compare metadata,
    /// headers, storage class, encryption and tags); the runner's default (<see cref="BackupRunnerOptions.Verification"/>, ETag) when null.
    /// </summary>
    public CopyVerification? Verification { get; set; }

    /// <summary>Most copies at once; the runner's default when null.</summary>
    public int? Parallelism { get; set; }

    /// <summary>
    /// Archived sources that are not restored (Archive, ColdArchive, DeepColdArchive): <c>fail</c> (default: the copy
    /// fails with OSS's 403 InvalidObjectState), <c>skip</c> (reported Skipped, reason Archived, nothing sent) or
    /// <c>restore</c> (RestoreObject, reported Restoring; a later run copies it once restored).
    /// </summary>
    public string? Archived { get; set; }

    /// <summary>With <c>archived: restore</c>: days the restored copy stays readable (default 1; Archive objects at most 7).</summary>
    public int? RestoreDays { get; set; }

    /// <summary>With <c>archived: restore</c>: <c>Expedited</c>, <c>Standard</c> or <c>Bulk</c> for ColdArchive and DeepColdArchive sources (never sent for Archive).</summary>
    public string? RestoreTier { get; set; }
}

public enum TagAction
{
    /// <summary>The source's tags.</summary>
    Copy,

    /// <summary>Exactly the rule's tags.</summary>
    Replace,

    /// <summary>The source's tags plus the rule's; the rule wins on equal keys.</summary>
    Merge,
}

/// <summary>
/// Decides the tags of matching objects. Conditions left empty match everything; values in <see cref="Tagging"/>
/// may use <c>{plan}</c>, <c>{date}</c> (the run's UTC date, yyyy-MM-dd) and <c>{sourceBucket}</c>.
/// </summary>
public sealed class TagRule
{
    /// <summary>The relative key starts with this.</summary>
    public string? Prefix { get; set; }

    /// <summary>The relative key ends with this.</summary>
    public string? Suffix { get; set; }

    /// <summary>The object has at least this many bytes.</summary>
    public long? MinSize { get; set; }

    /// <summary>The object has at most this many bytes.</summary>
    public long? MaxSize { get; set; }

    public TagAction Action { get; set; } = TagAction.Copy;

    /// <summary>Header form, <c>Backup={plan}&amp;Date={date}</c>, for Replace and Merge.</summary>
    public string? Tagging { get; set; }

    public bool Matches(string relativeKey, long size) =>
        (string.IsNullOrEmpty(Prefix) || relativeKey.StartsWith(Prefix, StringComparison.Ordinal))
        && (string.IsNullOrEmpty(Suffix) || relativeKey.EndsWith(Suffix, StringComparison.Ordinal))
        && (MinSize is null || size >= MinSize)
        && (MaxSize is null || size <= MaxSize);
}

/// <summary>The OSS endpoint a plan runs against (CLI use).</summary>
public sealed class PlanConnection
{
    public string? Region { get; set; }

    public string? Endpoint { get; set; }

    public bool UsePathStyle { get; set; }

    /// <summary><c>V4</c> (default) or <c>V1</c>.</summary>
    public string? SignatureVersion { get; set; }
}
