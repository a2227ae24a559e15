using System.Buffers.Text;
using System.Text;
using LocalOss.Http;
using LocalOss.Storage;

namespace LocalOss.Operations;

/// <summary>Byte-order key arithmetic for index seeks.</summary>
internal static class KeyRange
{
    /// <summary>The smallest byte string greater than every string starting with <paramref name="prefix"/>; null if none.</summary>
    public static byte[]? PrefixEnd(string prefix) => PrefixEnd(Encoding.UTF8.GetBytes(prefix));

    public static byte[]? PrefixEnd(byte[] prefix)
    {
        var end = (byte[])prefix.Clone();
        for (var i = end.Length - 1; i >= 0; i--)
        {
            if (end[i] != 0xFF)
            {
                end[i]++;
                return end[..(i + 1)];
            }
        }

        return null;
    }

    public static int Compare(byte[] a, byte[] b) => a.AsSpan().SequenceCompareTo(b);
}

internal sealed partial class OssService
{
    /// <summary>
    /// Rows read per turn on the store's lock. A page of 1,000 is read in turns so copies and uploads arriving
    /// meanwhile wait for one short batch, not for the whole page (OSS's listings do not stop its writes either;
    /// like OSS's, a page is not a snapshot).
    /// </summary>
    private const int ListBatch = 100;

    private sealed record ListPage(List<ObjectRecord> Contents, List<string> Prefixes, bool Truncated, string? NextMarker);

    /// <summary>
    /// One page of current objects after <paramref name="marker"/>, from the (bucket, key) index: each batch
    /// is an index seek, and a common prefix is skipped with one seek past its last possible key.
    /// </summary>
    private async Task<ListPage> ListPageOfAsync(string bucket, string prefix, string? delimiter, string marker, int maxKeys, CancellationToken ct)
    {
        var prefixBytes = Encoding.UTF8.GetBytes(prefix);
        var markerBytes = Encoding.UTF8.GetBytes(marker);
        var upper = KeyRange.PrefixEnd(prefixBytes);
        byte[] position;
        bool inclusive;
        if (KeyRange.Compare(markerBytes, prefixBytes) >= 0 && marker.Length > 0)
        {
            position = markerBytes;
            inclusive = false;
        }
        else
        {
            position = prefixBytes;
            inclusive = true;
        }

        var contents = new List<ObjectRecord>();
        var prefixes = new List<string>();
        string? next = null;
        var count = 0;
        while (true)
        {
            var limit = Math.Min(ListBatch, maxKeys - count + 1);
            var (from, fromInclusive) = (position, inclusive);
            var batch = await _store.ReadAsync(s => s.ListCurrent(bucket, from, fromInclusive, upper, limit), ct).ConfigureAwait(false);
            if (batch.Count == 0)
            {
                return new ListPage(contents, prefixes, false, next);
            }

            var seeked = false;
            foreach (var o in batch)
            {
                position = MetadataStore.StoreSession.Utf8(o.Key);
                inclusive = false;
                if (o.IsDeleteMarker)
                {
                    continue;
                }

                var cut = string.IsNullOrEmpty(delimiter) ? -1 : o.Key.IndexOf(delimiter, prefix.Length, StringComparison.Ordinal);
                if (cut >= 0)
                {
                    var common = o.Key[..(cut + delimiter!.Length)];
                    var commonBytes = Encoding.UTF8.GetBytes(common);
                    var after = KeyRange.PrefixEnd(commonBytes);
                    if (KeyRange.Compare(commonBytes, markerBytes) > 0)
                    {
                        if (count == maxKeys)
                        {
                            return new ListPage(contents, prefixes, true, next);
                        }

                        prefixes.Add(common);
                        count++;
                        next = common;
                    }

                    if (after is null)
                    {
                        return new ListPage(contents, prefixes, false, next);
                    }

                    position = after;
                    inclusive = true;
                    seeked = true;
                    break;
                }

                if (count == maxKeys)
                {
                    return new ListPage(contents, prefixes, true, next);
                }

                contents.Add(o);
                count++;
                next = o.Key;
            }

            if (!seeked && batch.Count < limit)
            {
                // A short batch without a seek: nothing is left in the range.
                return new ListPage(contents, prefixes, false, next);
            }
        }
    }

    private async Task ListObjectsAsync(OssRequest r, bool v2, CancellationToken ct)
    {
        var url = UrlEncoding(r);
        var prefix = r.Q("prefix") ?? "";
        var delimiter = r.Q("delimiter");
        var maxKeys = ParseInt(r, "max-keys", 100, 0, 1000);
        string marker;
        string? token = null;
        string? startAfter = null;
        if (v2)
        {
            startAfter = r.Q("start-after");
            token = r.Q("continuation-token");
            marker = startAfter ?? "";
            if (!string.IsNullOrEmpty(token))
            {
                var decoded = DecodeToken(token);
                if (string.CompareOrdinal(decoded, marker) > 0 || marker.Length == 0)
                {
                    marker = decoded;
                }
            }
        }
        else
        {
            marker = r.Q("marker") ?? "";
        }

        var fetchOwner = !v2 || IsTrue(r.Q("fetch-owner"));
        var bucket = await _store.ReadAsync(s => CheckBucket(r, s.GetBucket(BucketName(r))), ct).ConfigureAwait(false);
        var page = maxKeys == 0
            ? new ListPage([], [], false, null)
            : await ListPageOfAsync(bucket.Name, prefix, delimiter, marker, maxKeys, ct).ConfigureAwait(false);

        var xml = new XmlOut().Open("ListBucketResult")
            .Element("Name", BucketName(r))
            .Element("Prefix", Enc(prefix, url));
        if (v2)
        {
            if (startAfter is not null)
            {
                xml.Element("StartAfter", Enc(startAfter, url));
            }

            if (token is not null)
            {
                xml.Element("ContinuationToken", token);
            }
        }
        else
        {
            xml.Element("Marker", Enc(marker, url));
        }

        xml.Element("MaxKeys", maxKeys).Element("Delimiter", Enc(delimiter ?? "", url));
        if (url)
        {
            xml.Element("EncodingType", "url");
        }

        xml.Element("IsTruncated", page.Truncated);
        if (page.Truncated && page.NextMarker is not null)
        {
            if (v2)
            {
                xml.Element("NextContinuationToken", EncodeToken(page.NextMarker));
            }
            else
            {
                xml.Element("NextMarker", Enc(page.NextMarker, url));
            }
        }

        if (v2)
        {
            xml.Element("KeyCount", page.Contents.Count + page.Prefixes.Count);
        }

        foreach (var o in page.Contents)
        {
            xml.Open("Contents")
                .Element("Key", Enc(o.Key, url))
                .Element("LastModified", o.LastModified)
                .Element("ETag", Quote(o.ETag))
                .Element("Type", o.ObjectType)
                .Element("Size", o.Size)
                .Element("StorageClass", o.StorageClass)
                .Element("RestoreInfo", RestoreState(o));
            if (fetchOwner)
            {
                xml.Open("Owner").Element("ID", r.OwnerId).Element("DisplayName", r.OwnerId).Close("Owner");
            }

            xml.Close("Contents");
        }

        foreach (var p in page.Prefixes)
        {
            xml.Open("CommonPrefixes").Element("Prefix", Enc(p, url)).Close("CommonPrefixes");
        }

        await WriteXmlAsync(r, xml.Close("ListBucketResult"), ct).ConfigureAwait(false);
    }

    /// <summary>Continuation tokens are opaque to clients: the last key or prefix returned, base64url.</summary>
    private static string EncodeToken(string marker) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(marker));

    private static string DecodeToken(string token)
    {
        try
        {
            return new UTF8Encoding(false, true).GetString(Base64Url.DecodeFromChars(token));
        }
        catch (Exception ex) when (ex is FormatException or DecoderFallbackException)
        {
            throw Errors.InvalidArgument("The continuation token provided is incorrect.", "continuation-token", token, "0016-00000109");
        }
    }

    private async Task ListObjectVersionsAsync(OssRequest r, CancellationToken ct)
    {
        var url = UrlEncoding(r);
        var prefix = r.Q("prefix") ?? "";
        var delimiter = r.Q("delimiter");
        var keyMarker = r.Q("key-marker") ?? "";
        var versionMarker = r.Q("version-id-marker");
        var maxKeys = ParseInt(r, "max-keys", 100, 1, 1000);

        var (entries, prefixes, truncated) = await _store.ReadAsync(s =>
        {
            var b = CheckBucket(r, s.GetBucket(BucketName(r)));
            var upper = KeyRange.PrefixEnd(prefix);
            var prefixBytes = Encoding.UTF8.GetBytes(prefix);
            byte[] fromKey;
            long? afterSeq;
            if (keyMarker.Length > 0 && string.CompareOrdinal(keyMarker, prefix) >= 0)
            {
                fromKey = Encoding.UTF8.GetBytes(keyMarker);
                afterSeq = versionMarker is null ? long.MinValue : s.GetVersion(b.Name, keyMarker, versionMarker)?.Seq ?? long.MinValue;
            }
            else
            {
                fromKey = prefixBytes;
                afterSeq = null;
            }

            var list = new List<(ObjectRecord Record, bool IsLatest)>();
            var common = new List<string>();
            var count = 0;
            while (true)
            {
                var limit = maxKeys - count + 1;
                var batch = s.ListVersions(b.Name, fromKey, afterSeq, upper, limit);
                if (batch.Count == 0)
                {
                    return (list, common, false);
                }

                var seeked = false;
                foreach (var item in batch)
                {
                    var key = item.Record.Key;
                    var cut = string.IsNullOrEmpty(delimiter) ? -1 : key.IndexOf(delimiter, prefix.Length, StringComparison.Ordinal);
                    if (cut >= 0)
                    {
                        var cp = key[..(cut + delimiter!.Length)];
                        if (count == maxKeys)
                        {
                            return (list, common, true);
                        }

                        if (string.CompareOrdinal(cp, keyMarker) > 0 || keyMarker.Length == 0)
                        {
                            common.Add(cp);
                            count++;
                        }

                        var after = KeyRange.PrefixEnd(cp);
                        if (after is null)
                        {
                            return (list, common, false);
                        }

                        fromKey = after;
                        afterSeq = null;
                        seeked = true;
                        break;
                    }

                    if (count == maxKeys)
                    {
                        return (list, common, true);
                    }

                    list.Add(item);
                    count++;
                    fromKey = Encoding.UTF8.GetBytes(key);
                    afterSeq = item.Record.Seq;
                }

                if (!seeked && batch.Count < limit)
                {
                    return (list, common, false);
                }
            }
        }, ct).ConfigureAwait(false);

        var xml = new XmlOut().Open("ListVersionsResult")
            .Element("Name", BucketName(r))
            .Element("Prefix", Enc(prefix, url))
            .Element("KeyMarker", Enc(keyMarker, url))
            .Element("VersionIdMarker", versionMarker ?? "")
            .Element("MaxKeys", maxKeys)
            .Element("Delimiter", Enc(delimiter ?? "", url));
        if (url)
        {
            xml.Element("EncodingType", "url");
        }

        xml.Element("IsTruncated", truncated);
        if (truncated && entries.Count > 0)
        {
            xml.Element("NextKeyMarker", Enc(entries[^1].Record.Key, url)).Element("NextVersionIdMarker", entries[^1].Record.VersionId);
        }

        foreach (var (o, latest) in entries)
        {
            if (o.IsDeleteMarker)
            {
                xml.Open("DeleteMarker")
                    .Element("Key", Enc(o.Key, url))
                    .Element("VersionId", o.VersionId)
                    .Element("IsLatest", latest)
                    .Element("LastModified", o.LastModified)
                    .Open("Owner").Element("ID", r.OwnerId).Element("DisplayName", r.OwnerId).Close("Owner")
                    .Close("DeleteMarker");
                continue;
            }

            xml.Open("Version")
                .Element("Key", Enc(o.Key, url))
                .Element("VersionId", o.VersionId)
                .Element("IsLatest", latest)
                .Element("LastModified", o.LastModified)
                .Element("ETag", Quote(o.ETag))
                .Element("Type", o.ObjectType)
                .Element("Size", o.Size)
                .Element("StorageClass", o.StorageClass)
                .Element("RestoreInfo", RestoreState(o))
                .Open("Owner").Element("ID", r.OwnerId).Element("DisplayName", r.OwnerId).Close("Owner")
                .Close("Version");
        }

        foreach (var p in prefixes)
        {
            xml.Open("CommonPrefixes").Element("Prefix", Enc(p, url)).Close("CommonPrefixes");
        }

        await WriteXmlAsync(r, xml.Close("ListVersionsResult"), ct).ConfigureAwait(false);
    }
}
