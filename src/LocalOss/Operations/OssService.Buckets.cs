using System.Globalization;
using LocalOss.Http;
using LocalOss.Storage;

namespace LocalOss.Operations;

internal sealed partial class OssService
{
    private static readonly string[] BucketAcls = ["private", "public-read", "public-read-write"];

    /// <summary>Creates the configured initial buckets that do not exist yet.</summary>
    public Task SeedBucketsAsync(IEnumerable<LocalOssBucketSeed> seeds, string owner, CancellationToken ct) =>
        _store.WriteAsync(s =>
        {
            foreach (var seed in seeds)
            {
                if (s.GetBucket(seed.Name) is null)
                {
                    s.SaveBucket(new BucketRecord
                    {
                        Name = seed.Name,
                        Region = seed.Region ?? _options.DefaultRegion,
                        Created = Now,
                        Owner = owner,
                        Versioning = seed.Versioning ? "Enabled" : "",
                    });
                }
            }

            return 0;
        }, ct);

    internal static string DefaultOwner(LocalOssAccount account) => OwnerOf(account);

    private async Task PutBucketAsync(OssRequest r, CancellationToken ct)
    {
        var name = BucketName(r);
        var region = r.HostRegion ?? r.SigningRegion ?? _options.DefaultRegion;
        if (_options.Regions.Count > 0 && !_options.Regions.Contains(region, StringComparer.Ordinal))
        {
            throw new OssError(400, "InvalidLocationConstraint", "The specified location-constraint is not valid.", "0015-00000105",
                ("LocationConstraint", "oss-" + region));
        }

        var storageClass = "Standard";
        var redundancy = "LRS";
        if (r.Http.Request.ContentLength is > 0 || r.Http.Request.Headers.TransferEncoding.Count > 0)
        {
            var document = await ReadXmlAsync(r, ct).ConfigureAwait(false);
            var root = XmlIn.Root(document, "CreateBucketConfiguration");
            if (XmlIn.Child(root, "StorageClass") is { Length: > 0 } cls)
            {
                storageClass = StorageClasses.FirstOrDefault(c => string.Equals(c, cls, StringComparison.OrdinalIgnoreCase))
                               ?? throw Errors.InvalidArgument("Invalid storage class.", "StorageClass", cls, "0015-00000106");
            }

            if (XmlIn.Child(root, "DataRedundancyType") is { Length: > 0 } dr)
            {
                redundancy = dr is "LRS" or "ZRS" ? dr : throw Errors.InvalidArgument("Invalid data redundancy type.", "DataRedundancyType", dr, "0015-00000107");
            }
        }

        var acl = r.Header("x-oss-acl") ?? "private";
        if (!BucketAcls.Contains(acl, StringComparer.Ordinal))
        {
            throw Errors.InvalidArgument("no such bucket access control exists", "x-oss-acl", acl, "0015-00000108");
        }

        await _store.WriteAsync(s =>
        {
            if (s.GetBucket(name) is not null)
            {
                throw Errors.BucketAlreadyExists(name);
            }

            s.SaveBucket(new BucketRecord
            {
                Name = name,
                Region = region,
                Created = Now,
                Owner = r.OwnerId,
                Acl = acl,
                StorageClass = storageClass,
                Redundancy = redundancy,
            });
            return 0;
        }, ct).ConfigureAwait(false);
        r.Http.Response.Headers.Location = "/" + name;
        Ok(r);
    }

    private async Task DeleteBucketAsync(OssRequest r, CancellationToken ct)
    {
        await _store.WriteAsync(s =>
        {
            var bucket = CheckBucket(r, s.GetBucket(BucketName(r)));
            if (s.BucketHasContent(bucket.Name))
            {
                throw Errors.BucketNotEmpty(bucket.Name);
            }

            s.DeleteBucket(bucket.Name);
            return 0;
        }, ct).ConfigureAwait(false);
        NoContent(r);
    }

    private async Task GetBucketInfoAsync(OssRequest r, CancellationToken ct)
    {
        var b = await RequireBucketAsync(r, ct).ConfigureAwait(false);
        if (r.Method == "HEAD")
        {
            Ok(r);
            return;
        }

        var xml = new XmlOut().Open("BucketInfo").Open("Bucket")
            .Element("AccessMonitor", "Disabled")
            .Element("CreationDate", b.Created)
            .Element("CrossRegionReplication", "Disabled")
            .Element("DataRedundancyType", b.Redundancy)
            .Element("ExtranetEndpoint", $"oss-{b.Region}.aliyuncs.com")
            .Element("IntranetEndpoint", $"oss-{b.Region}-internal.aliyuncs.com")
            .Element("Location", "oss-" + b.Region)
            .Element("Name", b.Name)
            .Element("Region", b.Region)
            .Element("StorageClass", b.StorageClass)
            .Element("TransferAcceleration", "Disabled");
        if (b.IsVersioned)
        {
            xml.Element("Versioning", b.Versioning);
        }

        xml.Open("Owner").Element("DisplayName", b.Owner).Element("ID", b.Owner).Close("Owner")
            .Open("AccessControlList").Element("Grant", b.Acl).Close("AccessControlList")
            .Open("ServerSideEncryptionRule").Element("SSEAlgorithm", "None").Close("ServerSideEncryptionRule")
            .Open("BucketPolicy").Element("LogBucket", "").Element("LogPrefix", "").Close("BucketPolicy")
            .Close("Bucket").Close("BucketInfo");
        await WriteXmlAsync(r, xml, ct).ConfigureAwait(false);
    }

    private async Task GetBucketLocationAsync(OssRequest r, CancellationToken ct)
    {
        var b = await RequireBucketAsync(r, ct).ConfigureAwait(false);
        await WriteXmlAsync(r, new XmlOut().Element("LocationConstraint", "oss-" + b.Region), ct).ConfigureAwait(false);
    }

    /// <summary>GetBucketStat: object count and bytes, in total and per storage class (computed, where OSS reports hourly).</summary>
    private async Task GetBucketStatAsync(OssRequest r, CancellationToken ct)
    {
        var stats = await _store.ReadAsync(s => s.Stat(CheckBucket(r, s.GetBucket(BucketName(r))).Name), ct).ConfigureAwait(false);
        (long Objects, long Bytes) Of(string storageClass) => stats.ByClass.GetValueOrDefault(storageClass);
        var xml = new XmlOut().Open("BucketStat")
            .Element("Storage", stats.ByClass.Values.Sum(c => c.Bytes))
            .Element("ObjectCount", stats.ByClass.Values.Sum(c => c.Objects))
            .Element("MultipartUploadCount", stats.MultipartUploads)
            .Element("LiveChannelCount", 0)
            .Element("LastModifiedTime", stats.LastModifiedMs / 1000);
        foreach (var (storageClass, name) in new[]
                 {
                     ("Standard", "Standard"), ("IA", "InfrequentAccess"), ("Archive", "Archive"), ("ColdArchive", "ColdArchive"),
                     ("DeepColdArchive", "DeepColdArchive"),
                 })
        {
            var (objects, bytes) = Of(storageClass);
            xml.Element(name + "Storage", bytes);
            if (storageClass != "Standard")
            {
                xml.Element(name + "RealStorage", bytes);
            }

            xml.Element(name + "ObjectCount", objects);
        }

        xml.Element("DeleteMarkerCount", stats.DeleteMarkers).Close("BucketStat");
        await WriteXmlAsync(r, xml, ct).ConfigureAwait(false);
    }

    private async Task GetBucketAclAsync(OssRequest r, CancellationToken ct)
    {
        var b = await RequireBucketAsync(r, ct).ConfigureAwait(false);
        var xml = new XmlOut().Open("AccessControlPolicy")
            .Open("Owner").Element("ID", b.Owner).Element("DisplayName", b.Owner).Close("Owner")
            .Open("AccessControlList").Element("Grant", b.Acl).Close("AccessControlList")
            .Close("AccessControlPolicy");
        await WriteXmlAsync(r, xml, ct).ConfigureAwait(false);
    }

    private async Task PutBucketAclAsync(OssRequest r, CancellationToken ct)
    {
        var acl = r.Header("x-oss-acl") ?? "";
        if (!BucketAcls.Contains(acl, StringComparer.Ordinal))
        {
            throw Errors.InvalidArgument("no such bucket access control exists", "x-oss-acl", acl, "0015-00000108");
        }

        await _store.WriteAsync(s =>
        {
            var b = CheckBucket(r, s.GetBucket(BucketName(r)));
            s.SaveBucket(b with { Acl = acl });
            return 0;
        }, ct).ConfigureAwait(false);
        Ok(r);
    }

    private async Task ListBucketsAsync(OssRequest r, CancellationToken ct)
    {
        var prefix = r.Q("prefix") ?? "";
        var marker = r.Q("marker") ?? "";
        var maxKeys = ParseInt(r, "max-keys", 100, 1, 1000);
        // Bucket tags are not implemented, so no bucket has any: a tag filter (ali-oss listBuckets {'tag-key': …})
        // matches none, rather than being ignored and listing every bucket.
        var tagFiltered = r.Has("tag-key") || r.Has("tag-value") || r.Has("tagging");
        var all = tagFiltered ? [] : await _store.ReadAsync(s => s.ListBuckets(), ct).ConfigureAwait(false);
        var selected = all
            .Where(b => b.Name.StartsWith(prefix, StringComparison.Ordinal) && string.CompareOrdinal(b.Name, marker) > 0)
            .Take(maxKeys + 1)
            .ToList();
        var truncated = selected.Count > maxKeys;
        if (truncated)
        {
            selected.RemoveAt(selected.Count - 1);
        }

        var xml = new XmlOut().Open("ListAllMyBucketsResult");
        if (r.Has("prefix") || r.Has("marker") || r.Has("max-keys"))
        {
            xml.Element("Prefix", prefix).Element("Marker", marker).Element("MaxKeys", maxKeys).Element("IsTruncated", truncated);
            if (truncated)
            {
                xml.Element("NextMarker", selected[^1].Name);
            }
        }

        xml.Open("Owner").Element("ID", r.OwnerId).Element("DisplayName", r.OwnerId).Close("Owner").Open("Buckets");
        foreach (var b in selected)
        {
            xml.Open("Bucket")
                .Element("CreationDate", b.Created)
                .Element("ExtranetEndpoint", $"oss-{b.Region}.aliyuncs.com")
                .Element("IntranetEndpoint", $"oss-{b.Region}-internal.aliyuncs.com")
                .Element("Location", "oss-" + b.Region)
                .Element("Name", b.Name)
                .Element("Region", b.Region)
                .Element("StorageClass", b.StorageClass)
                .Close("Bucket");
        }

        xml.Close("Buckets").Close("ListAllMyBucketsResult");
        await WriteXmlAsync(r, xml, ct).ConfigureAwait(false);
    }

    private async Task PutBucketVersioningAsync(OssRequest r, CancellationToken ct)
    {
        var document = await ReadXmlAsync(r, ct).ConfigureAwait(false);
        var status = XmlIn.Child(XmlIn.Root(document, "VersioningConfiguration"), "Status");
        if (status is not ("Enabled" or "Suspended"))
        {
            throw Errors.MalformedXml();
        }

        await _store.WriteAsync(s =>
        {
            var b = CheckBucket(r, s.GetBucket(BucketName(r)));
            if (status == "Suspended" && b.WormState is not null)
            {
                throw Errors.InvalidWormState("Versioning cannot be suspended while the bucket has a retention policy.");
            }

            s.SaveBucket(b with { Versioning = status });
            return 0;
        }, ct).ConfigureAwait(false);
        Ok(r);
    }

    private async Task GetBucketVersioningAsync(OssRequest r, CancellationToken ct)
    {
        var b = await RequireBucketAsync(r, ct).ConfigureAwait(false);
        var xml = new XmlOut().Open("VersioningConfiguration");
        if (b.IsVersioned)
        {
            xml.Element("Status", b.Versioning);
        }

        await WriteXmlAsync(r, xml.Close("VersioningConfiguration"), ct).ConfigureAwait(false);
    }

    // ---- retention (WORM) ---------------------------------------------------------------------------

    private async Task InitiateWormAsync(OssRequest r, CancellationToken ct)
    {
        var days = await ReadRetentionDaysAsync(r, "InitiateWormConfiguration", ct).ConfigureAwait(false);
        var id = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        await _store.WriteAsync(s =>
        {
            var b = CheckBucket(r, s.GetBucket(BucketName(r)));
            if (b.Versioning == "Suspended")
            {
                throw Errors.InvalidWormState("A retention policy cannot be created while versioning is suspended.");
            }

            if (b.WormState == "Locked" || (b.WormState == "InProgress" && b.IsRetained))
            {
                throw Errors.InvalidWormState("The bucket already has a retention policy.");
            }

            s.SaveBucket(b with { WormId = id, WormState = "InProgress", WormDays = days, WormCreated = Now });
            return 0;
        }, ct).ConfigureAwait(false);
        r.Http.Response.Headers["x-oss-worm-id"] = id;
        Ok(r);
    }

    private async Task CompleteWormAsync(OssRequest r, CancellationToken ct)
    {
        var id = r.Q("wormId") ?? "";
        await _store.WriteAsync(s =>
        {
            var b = CheckBucket(r, s.GetBucket(BucketName(r)));
            if (b.WormId != id || b.WormState is null)
            {
                throw Errors.NoSuchWormConfiguration();
            }

            if (b.WormState == "InProgress" && !b.IsRetained)
            {
                throw Errors.InvalidWormState("The retention policy expired before it was locked.");
            }

            s.SaveBucket(b with { WormState = "Locked" });
            return 0;
        }, ct).ConfigureAwait(false);
        Ok(r);
    }

    private async Task ExtendWormAsync(OssRequest r, CancellationToken ct)
    {
        var id = r.Q("wormId") ?? "";
        var days = await ReadRetentionDaysAsync(r, "ExtendWormConfiguration", ct).ConfigureAwait(false);
        await _store.WriteAsync(s =>
        {
            var b = CheckBucket(r, s.GetBucket(BucketName(r)));
            if (b.WormId != id || b.WormState is null)
            {
                throw Errors.NoSuchWormConfiguration();
            }

            if (b.WormState != "Locked" || days <= b.WormDays)
            {
                throw Errors.InvalidWormState("Only a locked retention policy can be extended, and only to a longer period.");
            }

            s.SaveBucket(b with { WormDays = days });
            return 0;
        }, ct).ConfigureAwait(false);
        Ok(r);
    }

    private async Task AbortWormAsync(OssRequest r, CancellationToken ct)
    {
        await _store.WriteAsync(s =>
        {
            var b = CheckBucket(r, s.GetBucket(BucketName(r)));
            if (b.WormState is null)
            {
                throw Errors.NoSuchWormConfiguration();
            }

            if (b.WormState == "Locked")
            {
                throw Errors.InvalidWormState("A locked retention policy cannot be deleted.");
            }

            s.SaveBucket(b with { WormId = null, WormState = null, WormDays = 0, WormCreated = null });
            return 0;
        }, ct).ConfigureAwait(false);
        NoContent(r);
    }

    private async Task GetWormAsync(OssRequest r, CancellationToken ct)
    {
        var b = await RequireBucketAsync(r, ct).ConfigureAwait(false);
        if (b.WormState is null || (b.WormState == "InProgress" && !b.IsRetained))
        {
            throw Errors.NoSuchWormConfiguration();
        }

        var xml = new XmlOut().Open("WormConfiguration")
            .Element("WormId", b.WormId)
            .Element("State", b.WormState)
            .Element("RetentionPeriodInDays", b.WormDays)
            .Element("CreationDate", b.WormCreated ?? b.Created)
            .Close("WormConfiguration");
        await WriteXmlAsync(r, xml, ct).ConfigureAwait(false);
    }

    private static async Task<int> ReadRetentionDaysAsync(OssRequest r, string root, CancellationToken ct)
    {
        var document = await ReadXmlAsync(r, ct).ConfigureAwait(false);
        var text = XmlIn.Child(XmlIn.Root(document, root), "RetentionPeriodInDays");
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var days) || days is < 1 or > 25550)
        {
            throw Errors.InvalidArgument("RetentionPeriodInDays must be between 1 and 25550.", "RetentionPeriodInDays", text ?? "", "0029-00000101");
        }

        return days;
    }
}
