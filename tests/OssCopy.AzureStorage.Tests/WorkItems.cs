using OssCopy.Core.Backup;

namespace OssCopy.AzureStorage.Tests;

/// <summary>Core's work items for tests of the transport: a missing object, or (with a destination) one whose ETag differs.</summary>
internal static class WorkItems
{
    public static CopyWorkItem Item(string key, long size, string? etag, DateTimeOffset? lastModified, bool withDestination = false) => new()
    {
        RelativeKey = key,
        Reason = withDestination ? DiffKind.ETagDiffers : DiffKind.Missing,
        Source = new ListedObject { Bucket = "source-bucket", Key = key, Size = size, ETag = etag, LastModified = lastModified, StorageClass = "Standard" },
        Destination = withDestination
            ? new ListedObject { Bucket = "backup-bucket", Key = key, Size = size, ETag = "\"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF-2\"", LastModified = lastModified, StorageClass = "Standard" }
            : null,
    };
}
