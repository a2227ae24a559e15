using System.Globalization;
using System.Text;

namespace LocalOss.Storage;

/// <summary>A byte range of a content-addressed blob; an object's data is a list of these.</summary>
internal readonly record struct BlobSegment(string Sha256, long Offset, long Length)
{
    public static string Encode(IReadOnlyList<BlobSegment> segments)
    {
        if (segments.Count == 0)
        {
            return "";
        }

        var builder = new StringBuilder(segments.Count * 90);
        foreach (var s in segments)
        {
            if (builder.Length > 0)
            {
                builder.Append('|');
            }

            builder.Append(s.Sha256).Append(':')
                .Append(s.Offset.ToString(CultureInfo.InvariantCulture)).Append(':')
                .Append(s.Length.ToString(CultureInfo.InvariantCulture));
        }

        return builder.ToString();
    }

    public static IReadOnlyList<BlobSegment> Decode(string encoded)
    {
        if (encoded.Length == 0)
        {
            return [];
        }

        var items = encoded.Split('|');
        var list = new BlobSegment[items.Length];
        for (var i = 0; i < items.Length; i++)
        {
            var fields = items[i].Split(':');
            list[i] = new BlobSegment(
                fields[0],
                long.Parse(fields[1], CultureInfo.InvariantCulture),
                long.Parse(fields[2], CultureInfo.InvariantCulture));
        }

        return list;
    }

    /// <summary>The segments covering <paramref name="offset"/>..+<paramref name="length"/> of the concatenation.</summary>
    public static IReadOnlyList<BlobSegment> Slice(IReadOnlyList<BlobSegment> segments, long offset, long length)
    {
        var result = new List<BlobSegment>();
        long position = 0;
        foreach (var s in segments)
        {
            if (length <= 0)
            {
                break;
            }

            var end = position + s.Length;
            if (end > offset)
            {
                var skip = Math.Max(0, offset - position);
                var take = Math.Min(s.Length - skip, length);
                result.Add(s with { Offset = s.Offset + skip, Length = take });
                offset += take;
                length -= take;
            }

            position = end;
        }

        return result;
    }
}

internal sealed record BucketRecord
{
    public required string Name { get; init; }

    public required string Region { get; init; }

    public required DateTimeOffset Created { get; init; }

    public required string Owner { get; init; }

    public string Acl { get; init; } = "private";

    public string StorageClass { get; init; } = "Standard";

    public string Redundancy { get; init; } = "LRS";

    /// <summary>"" (never enabled), "Enabled" or "Suspended".</summary>
    public string Versioning { get; init; } = "";

    public string? WormId { get; init; }

    /// <summary>"InProgress" or "Locked" when a retention policy exists.</summary>
    public string? WormState { get; init; }

    public int WormDays { get; init; }

    public DateTimeOffset? WormCreated { get; init; }

    public bool IsVersioned => Versioning.Length > 0;

    /// <summary>Objects may not be overwritten or deleted while a retention policy is locked (or in progress).</summary>
    public bool IsRetained => WormState is "Locked" || (WormState is "InProgress" && WormCreated > DateTimeOffset.UtcNow.AddDays(-1));
}

internal sealed record ObjectRecord
{
    public required string Bucket { get; init; }

    public required string Key { get; init; }

    /// <summary>"null" in a bucket whose versioning was never enabled or is suspended.</summary>
    public string VersionId { get; init; } = NullVersion;

    public long Seq { get; set; }

    public bool IsDeleteMarker { get; init; }

    public long Size { get; init; }

    /// <summary>Upper-case hex, without quotes; "HEX-N" for multipart.</summary>
    public string ETag { get; init; } = "";

    public ulong Crc64 { get; init; }

    public string ContentType { get; init; } = "application/octet-stream";

    public DateTimeOffset LastModified { get; init; }

    /// <summary>Cache-Control, Content-Disposition, Content-Encoding, Content-Language, Expires and x-oss-meta-*.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    public IReadOnlyList<KeyValuePair<string, string>> Tags { get; init; } = [];

    /// <summary>Normal or Multipart.</summary>
    public string ObjectType { get; init; } = "Normal";

    public string StorageClass { get; init; } = "Standard";

    public string Acl { get; init; } = "default";

    public string? Sse { get; init; }

    public string? SseKeyId { get; init; }

    public string? SseDataEncryption { get; init; }

    public IReadOnlyList<BlobSegment> Segments { get; init; } = [];

    /// <summary>When an archive restore of this version completes (null: never asked for).</summary>
    public DateTimeOffset? RestoreReady { get; init; }

    /// <summary>When the restored copy goes cold again.</summary>
    public DateTimeOffset? RestoreExpiry { get; init; }

    public const string NullVersion = "null";
}

internal sealed class UploadRecord
{
    public required string UploadId { get; init; }

    public required string Bucket { get; init; }

    public required string Key { get; init; }

    public required DateTimeOffset Initiated { get; init; }

    public string ContentType { get; init; } = "application/octet-stream";

    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    public IReadOnlyList<KeyValuePair<string, string>> Tags { get; init; } = [];

    public string StorageClass { get; init; } = "Standard";

    public string Acl { get; init; } = "default";

    public string? Sse { get; init; }

    public string? SseKeyId { get; init; }

    public string? SseDataEncryption { get; init; }

    public bool ForbidOverwrite { get; init; }
}

internal sealed class PartRecord
{
    public required string UploadId { get; init; }

    public required int PartNumber { get; init; }

    /// <summary>Upper-case hex MD5 of the part, without quotes.</summary>
    public required string ETag { get; init; }

    public required long Size { get; init; }

    public required ulong Crc64 { get; init; }

    public required DateTimeOffset LastModified { get; init; }

    public IReadOnlyList<BlobSegment> Segments { get; init; } = [];
}

/// <summary>What GetBucketStat reports, gathered in one read.</summary>
internal sealed class BucketStatistics
{
    public Dictionary<string, (long Objects, long Bytes)> ByClass { get; } = new(StringComparer.Ordinal);

    public long DeleteMarkers { get; set; }

    public long MultipartUploads { get; set; }

    public long LastModifiedMs { get; set; }

    public void Add(string storageClass, long objects, long bytes)
    {
        var (o, b) = ByClass.GetValueOrDefault(storageClass);
        ByClass[storageClass] = (o + objects, b + bytes);
    }
}
