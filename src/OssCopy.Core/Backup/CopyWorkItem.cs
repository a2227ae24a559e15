using System.Text.Json.Serialization;
using OssCopy.Oss.Models;

namespace OssCopy.Core.Backup;

/// <summary>
/// One object as a listing showed it: enough to decide, pin and account for a copy without listing again. Plain data
/// (System.Text.Json round-trips it), so it can travel in a queue message.
/// </summary>
public sealed record ListedObject
{
    public required string Bucket { get; init; }

    /// <summary>The full key (the plan's prefix included).</summary>
    public required string Key { get; init; }

    public long Size { get; init; }

    public string? ETag { get; init; }

    public string? StorageClass { get; init; }

    public DateTimeOffset? LastModified { get; init; }

    /// <summary>The version listed (null in an unversioned listing: the current one).</summary>
    public string? VersionId { get; init; }

    public static ListedObject From(string bucket, OssObjectSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return new ListedObject
        {
            Bucket = bucket, Key = summary.Key, Size = summary.Size, ETag = summary.ETag, StorageClass = summary.StorageClass, LastModified = summary.LastModified,
        };
    }

    public OssObjectSummary ToSummary() => new(Key, Size, ETag, LastModified, StorageClass, null);
}

/// <summary>
/// One object the listing diff found missing or different in the destination: what <see cref="PlanObjectCopier"/>
/// needs to copy it (or find it is already our copy) and report it. Plain data, so a queue-driven run can send one
/// per message; the in-process run makes the same from its listing.
/// </summary>
public sealed record CopyWorkItem
{
    /// <summary>The key relative to the plan's source prefix (and so to its destination prefix).</summary>
    public required string RelativeKey { get; init; }

    /// <summary>What the diff decided: <see cref="DiffKind.Missing"/>, <see cref="DiffKind.SizeDiffers"/> or <see cref="DiffKind.ETagDiffers"/>.</summary>
    [JsonConverter(typeof(JsonStringEnumConverter<DiffKind>))]
    public required DiffKind Reason { get; init; }

    public required ListedObject Source { get; init; }

    /// <summary>The destination object the diff compared with; null when missing.</summary>
    public ListedObject? Destination { get; init; }

    /// <summary>The work item of a diff step that needs a copy (any other kind is not work).</summary>
    public static CopyWorkItem From(BackupPlan plan, DiffEntry entry)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (entry.Kind is not (DiffKind.Missing or DiffKind.SizeDiffers or DiffKind.ETagDiffers) || entry.Source is null)
        {
            throw new ArgumentException($"A {entry.Kind} entry is no copy to make.", nameof(entry));
        }

        return new CopyWorkItem
        {
            RelativeKey = entry.RelativeKey,
            Reason = entry.Kind,
            Source = ListedObject.From(plan.Source.Bucket, entry.Source),
            Destination = entry.Destination is null ? null : ListedObject.From(plan.Destination.Bucket, entry.Destination),
        };
    }
}
