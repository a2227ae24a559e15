using OssCopy.Oss;

namespace OssCopy.Reliability.Tests.Support;

/// <summary>
/// A versioned destination keeps one version per write, so the versions per key count the copies that really ran
/// on the server, whatever the client saw (a copy whose answer was lost with a killed process included).
/// </summary>
internal static class Versions
{
    public static async Task<Dictionary<string, int>> PerKeyAsync(OssClient client, string bucket)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        string? keyMarker = null;
        string? versionMarker = null;
        while (true)
        {
            var page = await client.ListObjectVersionsAsync(bucket, keyMarker, versionMarker);
            foreach (var version in page.Versions.Where(v => !v.IsDeleteMarker))
            {
                counts[version.Key] = counts.GetValueOrDefault(version.Key) + 1;
            }

            if (!page.IsTruncated)
            {
                return counts;
            }

            (keyMarker, versionMarker) = (page.NextKeyMarker, page.NextVersionIdMarker);
        }
    }
}
