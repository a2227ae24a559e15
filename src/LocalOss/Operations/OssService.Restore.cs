using System.Globalization;
using LocalOss.Http;
using LocalOss.Storage;

namespace LocalOss.Operations;

internal sealed partial class OssService
{
    private static bool IsArchived(ObjectRecord o) => o.StorageClass is "Archive" or "ColdArchive" or "DeepColdArchive";

    private bool IsRestored(ObjectRecord o) => o.RestoreReady <= Now && Now < o.RestoreExpiry;

    /// <summary>An archived object's data can be read (GET, CopyObject, UploadPartCopy) only while restored.</summary>
    private void EnsureReadable(ObjectRecord o)
    {
        if (IsArchived(o) && !IsRestored(o))
        {
            throw Errors.InvalidObjectState();
        }
    }

    /// <summary>OSS's <c>x-oss-restore</c> (HEAD/GET) and <c>RestoreInfo</c> (listings) value, or null when neither applies.</summary>
    private string? RestoreState(ObjectRecord o)
    {
        if (o.RestoreReady is not { } ready || o.RestoreExpiry is not { } expiry || Now >= expiry)
        {
            return null;
        }

        return Now < ready
            ? "ongoing-request=\"true\""
            : $"ongoing-request=\"false\", expiry-date=\"{expiry.ToString("r", CultureInfo.InvariantCulture)}\"";
    }

    /// <summary>
    /// RestoreObject (<c>POST /key?restore</c>, optional <c>&lt;RestoreRequest&gt;&lt;Days&gt;</c>): the first request
    /// answers 202 and the object is readable once <see cref="LocalOssOptions.RestoreDelay"/> has passed; a request
    /// while restoring is 409 RestoreAlreadyInProgress; a request on a restored object extends it (200). Objects
    /// that are not archived cannot be restored.
    /// </summary>
    private async Task RestoreObjectAsync(OssRequest r, CancellationToken ct)
    {
        var key = KeyOf(r);
        int? days = null;
        if (r.Http.Request.ContentLength is > 0 || r.Http.Request.Headers.TransferEncoding.Count > 0)
        {
            var root = XmlIn.Root(await ReadXmlAsync(r, ct).ConfigureAwait(false), "RestoreRequest");
            if (XmlIn.Child(root, "Days") is { } text)
            {
                days = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1
                    ? n
                    : throw Errors.InvalidArgument("Days must be a positive integer.", "Days", text, "0016-00000703");
            }
        }

        var delay = _options.RestoreDelay;
        var (bucket, status, restored) = await _store.WriteAsync(s =>
        {
            var b = CheckBucket(r, s.GetBucket(BucketName(r)));
            var o = FindObject(s, b, key, r.Q("versionId"));
            if (!IsArchived(o) || o.ObjectType == "Symlink")
            {
                throw Errors.RestoreNotSupported(o.StorageClass);
            }

            // Archive objects stay restored for 1 to 7 days, Cold and Deep Cold Archive objects for 1 to 365.
            var maxDays = o.StorageClass == "Archive" ? 7 : 365;
            var period = days ?? 1;
            if (period > maxDays)
            {
                throw Errors.InvalidArgument($"Days must be between 1 and {maxDays} for {o.StorageClass} objects.", "Days",
                    period.ToString(CultureInfo.InvariantCulture), "0016-00000703");
            }

            var now = Now;
            if (o.RestoreReady > now)
            {
                throw Errors.RestoreAlreadyInProgress();
            }

            var updated = IsRestored(o)
                ? o with { RestoreExpiry = now.AddDays(period) }
                : o with { RestoreReady = now + delay, RestoreExpiry = now + delay + TimeSpan.FromDays(period) };
            s.ReplaceInPlace(updated);
            return (b, IsRestored(o) ? 200 : 202, updated);
        }, ct).ConfigureAwait(false);

        if (bucket.IsVersioned)
        {
            r.Http.Response.Headers["x-oss-version-id"] = restored.VersionId;
        }

        r.Http.Response.StatusCode = status;
        r.Http.Response.ContentLength = 0;
    }
}
