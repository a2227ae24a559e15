using System.Security.Cryptography;
using OssCopy.Core.Copying;
using OssCopy.Oss;
using OssCopy.Oss.Hashing;
using OssCopy.Oss.Models;

namespace OssCopy.Core.IntegrationTests;

public sealed class CopyIntegrationTests(LocalOssFixture oss) : IClassFixture<LocalOssFixture>
{
    [Fact]
    public async Task Every_request_option_reaches_LocalOss_and_every_answer_field_comes_back_verified()
    {
        var source = await oss.NewBucketAsync("src", versioned: true);
        var destination = await oss.NewBucketAsync("dst", versioned: true);
        var data = RandomNumberGenerator.GetBytes(40_000);
        var v1 = await oss.PutAsync(source, "docs/report.pdf", data, "Team=blue", new Dictionary<string, string> { ["author"] = "alice" }, "application/pdf");
        await oss.PutAsync(source, "docs/report.pdf", RandomNumberGenerator.GetBytes(10)); // a newer version; we copy v1 by id

        var outcome = await LocalOssFixture.Orchestrator(oss.Client()).CopyAsync(new CopyRequest
        {
            Bucket = destination, Key = "backup/report.pdf", SourceBucket = source, SourceKey = "docs/report.pdf", SourceVersionId = v1.VersionId,
            ForbidOverwrite = true, TaggingDirective = "Replace", Tagging = "Backup=true&Owner=ops%20team",
            MetadataDirective = "Replace", Metadata = new Dictionary<string, string> { ["reviewed"] = "yes" }, ContentType = "application/x-pdf",
            CacheControl = "no-cache", ContentDisposition = "attachment", ContentEncoding = "identity", ContentLanguage = "en-GB",
            Expires = "Wed, 21 Oct 2026 07:28:00 GMT", StorageClass = "IA", ObjectAcl = "private",
            ServerSideEncryption = "KMS", ServerSideDataEncryption = "SM4", ServerSideEncryptionKeyId = "9468da86-3509-4f8d-a61e-6eab1eac0001",
        });

        Assert.True(outcome.Verified, string.Join("; ", outcome.VerificationErrors));
        Assert.Equal((CopyStatus.Copied, CopyStrategy.SingleCopy, 200), (outcome.Status, outcome.Strategy, outcome.StatusCode));
        Assert.False(string.IsNullOrEmpty(outcome.RequestId));
        Assert.False(string.IsNullOrEmpty(outcome.VersionId));
        Assert.Equal(v1.VersionId, outcome.SourceVersionId);
        Assert.Equal(Crc64.Compute(data), outcome.HashCrc64);
        Assert.Equal(v1.ETag, outcome.ETag);
        Assert.NotNull(outcome.LastModified);
        Assert.Equal(("KMS", "SM4", "9468da86-3509-4f8d-a61e-6eab1eac0001"), (outcome.ServerSideEncryption, outcome.ServerSideDataEncryption, outcome.ServerSideEncryptionKeyId));
        Assert.Equal((40_000L, v1.ETag), (outcome.SourceSize, outcome.SourceETag));

        var head = (await oss.Admin.HeadObjectAsync(new HeadObjectRequest { Bucket = destination, Key = "backup/report.pdf" })).Properties;
        Assert.Equal(("application/x-pdf", "no-cache", "attachment", "identity", "en-GB", "IA"),
            (head.ContentType, head.CacheControl, head.ContentDisposition, head.ContentEncoding, head.ContentLanguage, head.StorageClass));
        Assert.Equal(["reviewed"], head.Metadata.Keys);
        var tags = await oss.Admin.GetObjectTaggingAsync(new GetObjectTaggingRequest { Bucket = destination, Key = "backup/report.pdf" });
        Assert.Equal(OssTagging.Parse("Backup=true&Owner=ops%20team"), tags.Tags);
        Assert.Equal(data, await oss.GetAsync(destination, "backup/report.pdf"));
    }

    [Fact]
    public async Task Copy_directives_carry_the_source_metadata_and_tags()
    {
        var bucket = await oss.NewBucketAsync();
        await oss.PutAsync(bucket, "a.txt", "hello"u8.ToArray(), "A=1&B=2", new Dictionary<string, string> { ["x"] = "1" }, "text/plain");

        var outcome = await LocalOssFixture.Orchestrator(oss.Client()).CopyAsync(new CopyRequest { Bucket = bucket, Key = "b.txt", SourceKey = "a.txt" });

        Assert.True(outcome.Verified, string.Join("; ", outcome.VerificationErrors));
        var tags = await oss.Admin.GetObjectTaggingAsync(new GetObjectTaggingRequest { Bucket = bucket, Key = "b.txt" });
        Assert.Equal(OssTagging.Parse("A=1&B=2"), tags.Tags);
    }

    [Theory]
    [InlineData("dir/sub dir/a+b=c&d.txt")]
    [InlineData("中文/データ/😀 emoji.bin")]
    [InlineData("percent%20not-decoded%2F.txt")]
    [InlineData("q?hash#semi;colon,comma!'()*~.txt")]
    [InlineData("a//double//slash/")]
    [InlineData("/leading-slash")]
    public async Task Keys_with_special_characters_copy_and_verify(string key)
    {
        var bucket = await oss.NewBucketAsync();
        var data = RandomNumberGenerator.GetBytes(1000);
        await oss.PutAsync(bucket, key, data);

        var outcome = await LocalOssFixture.Orchestrator(oss.Client()).CopyAsync(new CopyRequest { Bucket = bucket, Key = "copy/" + key, SourceKey = key });

        Assert.True(outcome.Verified, $"{outcome.Status}: {outcome.Error} {string.Join("; ", outcome.VerificationErrors)}");
        Assert.Equal(data, await oss.GetAsync(bucket, "copy/" + key));
    }

    [Trait("Backend", LocalOssFixture.LocalOssOnly)]
    [Fact]
    public async Task Large_sources_go_through_parts_and_keep_headers_metadata_tags_and_CRC()
    {
        var source = await oss.NewBucketAsync("src");
        var destination = await oss.NewBucketAsync("dst");
        var data = RandomNumberGenerator.GetBytes((int)(3.5 * CopyEngineOptions.MinPartSize));
        await oss.PutAsync(source, "big/video.mp4", data, "Kind=video&Camera=x%20100", new Dictionary<string, string> { ["owner"] = "bob" }, "video/mp4");
        oss.Server.Counters.Reset();

        var outcome = await LocalOssFixture.Orchestrator(oss.Client(), o => { o.MultipartThreshold = CopyEngineOptions.MinPartSize; o.PartSize = CopyEngineOptions.MinPartSize; })
            .CopyAsync(new CopyRequest { Bucket = destination, Key = "big/video.mp4", SourceBucket = source, SourceKey = "big/video.mp4", RecordSourceETag = true });

        Assert.True(outcome.Verified, string.Join("; ", outcome.VerificationErrors));
        Assert.Equal((CopyStrategy.Multipart, 4), (outcome.Strategy, outcome.PartCount));
        Assert.Equal(Crc64.Compute(data), outcome.HashCrc64);
        Assert.Equal(4, oss.Server.Counters["UploadPartCopy"]);
        Assert.Equal(0, oss.Server.Counters["CopyObject"]);
        Assert.Equal(data, await oss.GetAsync(destination, "big/video.mp4"));
        var head = (await oss.Admin.HeadObjectAsync(new HeadObjectRequest { Bucket = destination, Key = "big/video.mp4" })).Properties;
        Assert.Equal(("video/mp4", "bob"), (head.ContentType, head.Metadata["owner"]));
        Assert.Equal(outcome.SourceETag, head.Metadata[CopyRequestValidator.SourceETagMetadata]);
        var tags = await oss.Admin.GetObjectTaggingAsync(new GetObjectTaggingRequest { Bucket = destination, Key = "big/video.mp4" });
        Assert.Equal(OssTagging.Parse("Kind=video&Camera=x%20100"), tags.Tags);
    }

    [Fact]
    public async Task A_CRC_that_does_not_match_the_source_is_reported_as_a_verification_failure()
    {
        var bucket = await oss.NewBucketAsync();
        await oss.PutAsync(bucket, "a.bin", RandomNumberGenerator.GetBytes(2000));
        var client = oss.Client(wrap: inner => new WatchingHandler(inner)
        {
            // A corrupted answer, as a faulty copy would produce: the engine must not trust it.
            AfterReceive = (request, response) =>
            {
                if (request.Method == HttpMethod.Put && request.Headers.Contains(OssHeaders.CopySource))
                {
                    response.Headers.Remove(OssHeaders.HashCrc64);
                    response.Headers.TryAddWithoutValidation(OssHeaders.HashCrc64, "12345");
                }
            },
        });

        var outcome = await LocalOssFixture.Orchestrator(client).CopyAsync(new CopyRequest { Bucket = bucket, Key = "b.bin", SourceKey = "a.bin" });

        Assert.Equal(CopyStatus.VerificationFailed, outcome.Status);
        Assert.Contains(outcome.VerificationErrors, e => e.StartsWith("CRC-64: source ", StringComparison.Ordinal) && e.EndsWith("copy answer 12345", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Forbid_overwrite_meets_an_existing_destination_as_a_409_conflict_and_leaves_it_alone()
    {
        var bucket = await oss.NewBucketAsync();
        await oss.PutAsync(bucket, "src.txt", "new"u8.ToArray());
        await oss.PutAsync(bucket, "dst.txt", "old"u8.ToArray());

        var outcome = await LocalOssFixture.Orchestrator(oss.Client(maxRetries: 0))
            .CopyAsync(new CopyRequest { Bucket = bucket, Key = "dst.txt", SourceKey = "src.txt", ForbidOverwrite = true });

        Assert.Equal(CopyStatus.Failed, outcome.Status);
        Assert.Equal((409, "FileAlreadyExists"), (outcome.Error!.StatusCode, outcome.Error.Code));
        Assert.False(string.IsNullOrEmpty(outcome.Error.RequestId));
        Assert.False(string.IsNullOrEmpty(outcome.Error.Ec));
        Assert.Equal("old"u8.ToArray(), await oss.GetAsync(bucket, "dst.txt"));
    }

    [Trait("Backend", LocalOssFixture.LocalOssOnly)]
    [Fact]
    public async Task A_forbid_overwrite_refused_at_initiate_sends_no_parts()
    {
        var bucket = await oss.NewBucketAsync();
        await oss.PutAsync(bucket, "big.bin", RandomNumberGenerator.GetBytes((int)(2.5 * CopyEngineOptions.MinPartSize)));
        await oss.PutAsync(bucket, "taken.bin", "x"u8.ToArray());
        oss.Server.Counters.Reset();

        var outcome = await LocalOssFixture.Orchestrator(oss.Client(maxRetries: 0), o => o.MultipartThreshold = CopyEngineOptions.MinPartSize)
            .CopyAsync(new CopyRequest { Bucket = bucket, Key = "taken.bin", SourceKey = "big.bin", ForbidOverwrite = true });

        Assert.Equal(("FileAlreadyExists", CopyStatus.Failed), (outcome.Error!.Code, outcome.Status));
        Assert.Equal(0, oss.Server.Counters["UploadPartCopy"]);
        Assert.Equal("x"u8.ToArray(), await oss.GetAsync(bucket, "taken.bin"));
    }

    [Trait("Backend", LocalOssFixture.LocalOssOnly)]
    [Fact]
    public async Task A_multipart_copy_refused_at_complete_is_aborted_so_no_upload_is_left_behind()
    {
        var bucket = await oss.NewBucketAsync();
        await oss.PutAsync(bucket, "big.bin", RandomNumberGenerator.GetBytes((int)(2.5 * CopyEngineOptions.MinPartSize)));
        var client = oss.Client(maxRetries: 0, wrap: inner => new WatchingHandler(inner)
        {
            // Someone else writes the destination while the parts are copied.
            BeforeSend = async request =>
            {
                if (request.Method == HttpMethod.Post && request.RequestUri!.Query.Contains("uploadId", StringComparison.Ordinal))
                {
                    await oss.PutAsync(bucket, "taken.bin", "x"u8.ToArray());
                }
            },
        });
        oss.Server.Counters.Reset();

        var outcome = await LocalOssFixture.Orchestrator(client, o => { o.MultipartThreshold = CopyEngineOptions.MinPartSize; o.PartSize = CopyEngineOptions.MinPartSize; })
            .CopyAsync(new CopyRequest { Bucket = bucket, Key = "taken.bin", SourceKey = "big.bin", ForbidOverwrite = true });

        Assert.Equal("FileAlreadyExists", outcome.Error!.Code);
        Assert.Equal((3, 1, 1), ((int)oss.Server.Counters["UploadPartCopy"], (int)oss.Server.Counters["CompleteMultipartUpload"], (int)oss.Server.Counters["AbortMultipartUpload"]));
        Assert.Equal("x"u8.ToArray(), await oss.GetAsync(bucket, "taken.bin"));
    }

    [Trait("Backend", LocalOssFixture.LocalOssOnly)]
    [Fact]
    public async Task Buckets_in_different_regions_are_refused_before_any_object_request()
    {
        var source = await oss.NewFarBucketAsync();
        var destination = await oss.NewBucketAsync();
        oss.Server.Counters.Reset();

        var outcome = await LocalOssFixture.Orchestrator(oss.Client()).CopyAsync(new CopyRequest
        {
            Bucket = destination, Key = "k", SourceBucket = source, SourceKey = "k",
        });

        Assert.Equal(CopyErrorCodes.CrossRegionCopy, outcome.Error!.Code);
        Assert.Contains(LocalOssFixture.FarRegion, outcome.Error.Message, StringComparison.Ordinal);
        Assert.Equal(0, oss.Server.Counters["HeadObject"] + oss.Server.Counters["CopyObject"]);
        Assert.Equal(2, oss.Server.Counters["GetBucketLocation"]);
    }

    [Fact]
    public async Task A_source_replaced_between_HEAD_and_copy_is_reported_changed_and_nothing_is_written()
    {
        var bucket = await oss.NewBucketAsync();
        await oss.PutAsync(bucket, "live.txt", "version one"u8.ToArray());
        var replaced = false;
        var client = oss.Client(maxRetries: 0, wrap: inner => new WatchingHandler(inner)
        {
            BeforeSend = async request =>
            {
                if (!replaced && request.Method == HttpMethod.Put && request.Headers.Contains(OssHeaders.CopySource))
                {
                    replaced = true;
                    await oss.PutAsync(bucket, "live.txt", "version two!"u8.ToArray());
                }
            },
        });

        var outcome = await LocalOssFixture.Orchestrator(client).CopyAsync(new CopyRequest { Bucket = bucket, Key = "copy.txt", SourceKey = "live.txt" });

        Assert.Equal(CopyStatus.SourceChanged, outcome.Status);
        Assert.Equal(412, outcome.Error!.StatusCode);
        await Assert.ThrowsAsync<OssException>(() => oss.Admin.HeadObjectAsync(new HeadObjectRequest { Bucket = bucket, Key = "copy.txt" }));
    }

    [Fact]
    public async Task A_missing_source_fails_with_NoSuchKey_and_its_request_id()
    {
        var bucket = await oss.NewBucketAsync();

        var outcome = await LocalOssFixture.Orchestrator(oss.Client()).CopyAsync(new CopyRequest { Bucket = bucket, Key = "b", SourceKey = "nothing-here" });

        Assert.Equal((404, "NoSuchKey"), (outcome.Error!.StatusCode, outcome.Error.Code));
        Assert.False(string.IsNullOrEmpty(outcome.Error.RequestId));
    }
}
