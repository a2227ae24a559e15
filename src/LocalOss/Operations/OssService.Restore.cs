using System.Globalization;
using LocalOss.Http;
using LocalOss.Storage;

namespace LocalOss.Operations;

internal sealed partial class OssService
{
    /// <summary>RestoreObject's JobParameters/Tier values (EC 0016-00000703 for any other).</summary>
    private static readonly string[] RestoreTiers = ["Expedited", "Standard", "Bulk"];

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
    /// RestoreObject (<c>POST /key?restore</c>, optional <c>&lt;RestoreRequest&gt;&lt;Days&gt;</c> and, for Cold Archive and
    /// Deep Cold Archive objects only, <c>&lt;JobParameters&gt;&lt;Tier&gt;</c>): the first request answers 202 and the object
    /// is readable once <see cref="LocalOssOptions.RestoreDelay"/> has passed; a request while restoring is 409
    /// RestoreAlreadyInProgress; a request on a restored object extends it (200). Objects that are not archived cannot be
    /// restored. Cold and Deep Cold Archive answers carry <c>x-oss-object-restore-priority</c> (the tier asked, else Standard).
    /// </summary>
    private async Task RestoreObjectAsync(OssRequest r, CancellationToken ct)
    {
        var key = KeyOf(r);
        string? daysText = null;
        string? tier = null;
        var hasJobParameters = false;
        if (r.Http.Request.ContentLength is > 0 || r.Http.Request.Headers.TransferEncoding.Count > 0)
        {
            var root = XmlIn.Root(await ReadXmlAsync(r, ct).ConfigureAwait(false), "RestoreRequest");
            daysText = XmlIn.Child(root, "Days");
            if (XmlIn.Children(root, "JobParameters").FirstOrDefault() is { } job)
            {
                hasJobParameters = true;
                var text = XmlIn.Child(job, "Tier") ?? "";
                tier = RestoreTiers.FirstOrDefault(t => t == text)
                       ?? throw Errors.InvalidArgument("The Tier in JobParameters is invalid.", "Tier", text, "0016-00000703");
            }
        }

        var delay = _options.RestoreDelay;
        var (bucket, status, restored, priority) = await _store.WriteAsync(s =>
        {
            var b = CheckBucket(r, s.GetBucket(BucketName(r)));
            var o = FindObject(s, b, key, r.Q("versionId"));
            if (!IsArchived(o) || o.ObjectType == "Symlink")
            {
                throw Errors.RestoreNotSupported(o.StorageClass);
            }

            // Archive objects stay restored for 1 to 7 days (EC 0016-00000708) and take no JobParameters (OSS answers
            // MalformedXML, EC 0016-00000714: the node is unknown for them); Cold and Deep Cold Archive objects stay
            // restored for 1 to 365 days (EC 0016-00000704).
            var archive = o.StorageClass == "Archive";
            if (archive && hasJobParameters)
            {
                throw Errors.MalformedXml("0016-00000714");
            }

            var maxDays = archive ? 7 : 365;
            var period = 1;
            if (daysText is not null
                && (!int.TryParse(daysText, NumberStyles.None, CultureInfo.InvariantCulture, out period) || period < 1 || period > maxDays))
            {
                throw Errors.InvalidArgument($"Days must be between 1 and {maxDays} for {o.StorageClass} objects.", "Days",
                    daysText, archive ? "0016-00000708" : "0016-00000704");
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
            return (b, IsRestored(o) ? 200 : 202, updated, archive ? null : tier ?? "Standard");
        }, ct).ConfigureAwait(false);

        if (bucket.IsVersioned)
        {
            r.Http.Response.Headers["x-oss-version-id"] = restored.VersionId;
        }

        if (priority is not null)
        {
            r.Http.Response.Headers[OssHeaderNames.ObjectRestorePriority] = priority;
        }

        r.Http.Response.StatusCode = status;
        r.Http.Response.ContentLength = 0;
    }
}
