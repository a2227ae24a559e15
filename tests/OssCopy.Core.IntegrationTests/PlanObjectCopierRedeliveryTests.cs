using System.Security.Cryptography;
using LocalOss;
using Microsoft.Extensions.DependencyInjection;
using OssCopy.Core.Backup;
using OssCopy.Core.Copying;
using OssCopy.Core.State;
using OssCopy.Oss.Models;

namespace OssCopy.Core.IntegrationTests;

/// <summary>
/// <see cref="PlanObjectCopier.CopyUnlessCopiedAlreadyAsync"/>, the path of a batch worked on before: the destination is
/// asked first, and this source's copy found there is reported Copied without a copy.
/// </summary>
[Trait("Backend", LocalOssFixture.LocalOssOnly)]
public sealed class PlanObjectCopierRedeliveryTests(LocalOssFixture oss) : IClassFixture<LocalOssFixture>
{
    private static readonly DateTimeOffset RunStart = new(2026, 12, 4, 20, 0, 0, TimeSpan.Zero);

    private static readonly Action<CopyEngineOptions> MultipartAbove100KiB = o =>
    {
        o.MultipartThreshold = CopyEngineOptions.MinPartSize;
        o.PartSize = CopyEngineOptions.MinPartSize;
    };

    private sealed record Setup(ServiceProvider Services, PlanCopyContext Context, CopyWorkItem Item, string Destination) : IAsyncDisposable
    {
        public PlanObjectCopier Copier => Services.GetRequiredService<PlanObjectCopier>();

        public ValueTask DisposeAsync() => Services.DisposeAsync();
    }

    /// <summary>A source object of <paramref name="size"/> bytes listed missing from an empty destination bucket.</summary>
    private async Task<Setup> SetupAsync(int size, ICopyStateStore? store = null, Action<CopyEngineOptions>? engine = null, bool dryRun = false)
    {
        var source = await oss.NewBucketAsync("rsrc");
        var destination = await oss.NewBucketAsync("rdst");
        var put = await oss.PutAsync(source, "data/a/object.bin", RandomNumberGenerator.GetBytes(size));
        var plan = new BackupPlan
        {
            Name = "redelivery-" + source,
            Source = new BucketLocation { Bucket = source, Prefix = "data/" },
            Destination = new BucketLocation { Bucket = destination, Prefix = "backup/" },
        };
        var item = new CopyWorkItem
        {
            RelativeKey = "a/object.bin",
            Reason = DiffKind.Missing,
            Source = new ListedObject { Bucket = source, Key = "data/a/object.bin", Size = size, ETag = put.ETag, StorageClass = "Standard" },
        };
        var services = LocalOssFixture.Services(oss.Client(), store, engine);
        return new Setup(services, new PlanCopyContext(plan, RunStart, CopyVerification.ETag, dryRun), item, destination);
    }

    private Task<HeadObjectResult> HeadDestinationAsync(Setup setup) =>
        oss.Admin.HeadObjectAsync(new HeadObjectRequest { Bucket = setup.Destination, Key = "backup/a/object.bin" });

    [Fact]
    public async Task A_destination_holding_a_single_copy_of_the_source_is_reported_copied_without_a_copy_object()
    {
        await using var setup = await SetupAsync(3000);
        await oss.Admin.CopyObjectAsync(new CopyObjectRequest
        {
            Bucket = setup.Destination, Key = "backup/a/object.bin", SourceBucket = setup.Item.Source.Bucket, SourceKey = setup.Item.Source.Key,
        });
        var head = await HeadDestinationAsync(setup);
        oss.Server.Counters.Reset();

        var (entry, found) = await setup.Copier.CopyUnlessCopiedAlreadyAsync(setup.Context, setup.Item);

        Assert.True(found);
        Assert.Equal((0L, 1L), (oss.Server.Counters["CopyObject"], oss.Server.Counters["HeadObject"]));
        Assert.Equal((ReportAction.Copied, ReportReason.Missing, "SingleCopy", true), (entry.Action, entry.Reason, entry.Strategy, entry.Verified));
        Assert.Equal(("data/a/object.bin", "backup/a/object.bin", 3000L), (entry.Key, entry.DestinationKey, entry.Size));
        Assert.Equal((setup.Item.Source.ETag, head.Properties.HashCrc64?.ToString(System.Globalization.CultureInfo.InvariantCulture)), (entry.ETag, entry.HashCrc64));
        Assert.False(string.IsNullOrEmpty(entry.RequestId));
        Assert.Null(entry.ErrorCode);
        Assert.Equal(new ReportTotals { Listed = 1, Copied = 1, CopiedBytes = 3000 }, ReportMapping.Totals(entry));
    }

    [Fact]
    public async Task A_destination_holding_a_multipart_copy_of_the_source_is_found_by_its_recorded_source_etag()
    {
        using var store = new FileCopyStateStore(Path.Combine(Path.GetTempPath(), "osscopy-it", Guid.NewGuid().ToString("N")));
        await using var setup = await SetupAsync((int)(2.5 * CopyEngineOptions.MinPartSize), store, MultipartAbove100KiB);

        // The killed worker's copy: multipart, so the destination's ETag is its own and the metadata names the source's.
        var first = await setup.Copier.CopyAsync(setup.Context, setup.Item);
        Assert.Equal((ReportAction.Copied, "Multipart"), (first.Action, first.Strategy));
        var head = await HeadDestinationAsync(setup);
        Assert.NotEqual(setup.Item.Source.ETag, head.Properties.ETag);
        oss.Server.Counters.Reset();

        var (entry, found) = await setup.Copier.CopyUnlessCopiedAlreadyAsync(setup.Context, setup.Item);

        Assert.True(found);
        Assert.Equal((0L, 0L, 0L, 1L), (oss.Server.Counters["CopyObject"], oss.Server.Counters["InitiateMultipartUpload"],
            oss.Server.Counters["UploadPartCopy"], oss.Server.Counters["HeadObject"]));
        Assert.Equal((ReportAction.Copied, "Multipart", true, head.Properties.ETag), (entry.Action, entry.Strategy, entry.Verified, entry.ETag));
        var lineage = await store.FindLineageAsync(setup.Context.Plan.Name, "backup/a/object.bin", CancellationToken.None);
        Assert.Equal((setup.Item.Source.ETag, head.Properties.ETag), (lineage?.SourceETag, lineage?.DestinationETag));
    }

    [Fact]
    public async Task A_missing_destination_is_copied_after_the_head()
    {
        await using var setup = await SetupAsync(3000);
        oss.Server.Counters.Reset();

        var (entry, found) = await setup.Copier.CopyUnlessCopiedAlreadyAsync(setup.Context, setup.Item);

        Assert.False(found);
        Assert.Equal((1L, 1L), (oss.Server.Counters["CopyObject"], oss.Server.Counters["HeadObject"]));
        Assert.Equal((ReportAction.Copied, "SingleCopy"), (entry.Action, entry.Strategy));
        Assert.Equal(setup.Item.Source.ETag, (await HeadDestinationAsync(setup)).Properties.ETag);
    }

    [Fact]
    public async Task A_destination_with_other_content_of_the_same_size_is_copied_over()
    {
        await using var setup = await SetupAsync(3000);
        await oss.PutAsync(setup.Destination, "backup/a/object.bin", RandomNumberGenerator.GetBytes(3000));
        oss.Server.Counters.Reset();

        var (entry, found) = await setup.Copier.CopyUnlessCopiedAlreadyAsync(setup.Context, setup.Item);

        Assert.False(found);
        Assert.Equal((1L, 1L), (oss.Server.Counters["CopyObject"], oss.Server.Counters["HeadObject"]));
        Assert.Equal((ReportAction.Copied, setup.Item.Source.ETag), (entry.Action, entry.ETag));
        Assert.Equal(setup.Item.Source.ETag, (await HeadDestinationAsync(setup)).Properties.ETag);
    }

    [Fact]
    public async Task A_destination_naming_the_source_etag_in_its_metadata_but_of_another_size_is_copied_over()
    {
        await using var setup = await SetupAsync(3000);
        await oss.PutAsync(setup.Destination, "backup/a/object.bin", RandomNumberGenerator.GetBytes(2999),
            metadata: new Dictionary<string, string> { [CopyRequestValidator.SourceETagMetadata] = setup.Item.Source.ETag! });
        oss.Server.Counters.Reset();

        var (_, found) = await setup.Copier.CopyUnlessCopiedAlreadyAsync(setup.Context, setup.Item);

        Assert.False(found);
        Assert.Equal(1L, oss.Server.Counters["CopyObject"]);
        Assert.Equal(3000L, (await HeadDestinationAsync(setup)).Properties.ContentLength);
    }

    [Fact]
    public async Task A_head_failing_with_another_oss_error_leaves_the_object_to_be_copied_as_usual()
    {
        await using var setup = await SetupAsync(3000);
        await oss.Admin.CopyObjectAsync(new CopyObjectRequest
        {
            Bucket = setup.Destination, Key = "backup/a/object.bin", SourceBucket = setup.Item.Source.Bucket, SourceKey = setup.Item.Source.Key,
        });
        oss.Server.Counters.Reset();
        oss.Server.Faults.Configure(1, [new LocalOssFaultRule { Operation = "HeadObject", Kind = LocalOssFaultKind.InternalError, Rate = 1 }]);
        try
        {
            var (entry, found) = await setup.Copier.CopyUnlessCopiedAlreadyAsync(setup.Context, setup.Item);

            Assert.False(found);
            Assert.Equal((ReportAction.Copied, 1L), (entry.Action, oss.Server.Counters["CopyObject"]));
        }
        finally
        {
            oss.Server.Faults.Clear();
        }
    }

    [Fact]
    public async Task A_dry_run_context_makes_no_head_and_reports_what_would_be_copied()
    {
        await using var setup = await SetupAsync(3000, dryRun: true);
        oss.Server.Counters.Reset();

        var (entry, found) = await setup.Copier.CopyUnlessCopiedAlreadyAsync(setup.Context, setup.Item);

        Assert.False(found);
        Assert.Equal(ReportAction.WouldCopy, entry.Action);
        Assert.Equal((0L, 0L), (oss.Server.Counters["CopyObject"], oss.Server.Counters["HeadObject"]));
    }

    [Fact]
    public async Task A_fresh_copy_makes_no_head()
    {
        await using var setup = await SetupAsync(3000);
        oss.Server.Counters.Reset();

        var entry = await setup.Copier.CopyAsync(setup.Context, setup.Item);

        Assert.Equal(ReportAction.Copied, entry.Action);
        Assert.Equal((1L, 0L), (oss.Server.Counters["CopyObject"], oss.Server.Counters["HeadObject"]));
    }
}
