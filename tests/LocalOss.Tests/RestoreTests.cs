using LocalOss.Tests.Support;

namespace LocalOss.Tests;

public sealed class RestoreFixture : ServerFixture
{
    // Long enough that the checks made while a restore is still ongoing finish inside it on a loaded 2-core CI machine
    // (at 400 ms one of them once ran past it).
    public static readonly TimeSpan Delay = TimeSpan.FromSeconds(2);

    protected override void Configure(LocalOssOptions options) => options.RestoreDelay = Delay;
}

/// <summary>Archived objects: frozen until RestoreObject, restoring for <see cref="LocalOssOptions.RestoreDelay"/>, then readable.</summary>
public sealed class RestoreTests(RestoreFixture fixture) : IClassFixture<RestoreFixture>
{
    private OssTestClient Client => fixture.Client;

    private Task<OssAnswer> RestoreAsync(string bucket, string key, string? body = null, string? versionId = null)
    {
        var call = new OssCall(HttpMethod.Post, bucket, key).Q("restore");
        if (versionId is not null)
        {
            call.Q("versionId", versionId);
        }

        if (body is not null)
        {
            call.WithBody(body);
        }

        return Client.SendAsync(call);
    }

    [Theory]
    [InlineData("Archive")]
    [InlineData("ColdArchive")]
    [InlineData("DeepColdArchive")]
    public async Task An_archived_object_is_frozen_then_restoring_then_readable(string storageClass)
    {
        var bucket = await fixture.NewBucketAsync();
        await Client.PutAsync(bucket, "cold", "frozen data", c => c.H("x-oss-storage-class", storageClass));
        var frozen = await Client.GetAsync(bucket, "cold");
        Assert.Equal(403, frozen.Status);
        Assert.Equal("InvalidObjectState", frozen.ErrorCode);
        Assert.Equal("The operation is not valid for the object's state", frozen.X("Message"));
        Assert.Equal(200, (await Client.HeadAsync(bucket, "cold")).Status);
        Assert.Null((await Client.HeadAsync(bucket, "cold")).Header("x-oss-restore"));
        Assert.Equal("InvalidObjectState", (await Client.CopyAsync(bucket, "cold", bucket, "copy")).ErrorCode);

        // JobParameters are for Cold and Deep Cold Archive objects only.
        var jobParameters = storageClass == "Archive" ? "" : "<JobParameters><Tier>Standard</Tier></JobParameters>";
        Assert.Equal(202, (await RestoreAsync(bucket, "cold", $"<RestoreRequest><Days>2</Days>{jobParameters}</RestoreRequest>")).Status);
        Assert.Equal("ongoing-request=\"true\"", (await Client.HeadAsync(bucket, "cold")).Header("x-oss-restore"));
        var again = await RestoreAsync(bucket, "cold");
        Assert.Equal(409, again.Status);
        Assert.Equal("RestoreAlreadyInProgress", again.ErrorCode);
        Assert.Equal("0016-00000701", again.Header("x-oss-ec"));
        Assert.Equal("InvalidObjectState", (await Client.GetAsync(bucket, "cold")).ErrorCode);

        await Task.Delay(RestoreFixture.Delay + TimeSpan.FromMilliseconds(100));
        var restored = await Client.HeadAsync(bucket, "cold");
        Assert.StartsWith("ongoing-request=\"false\", expiry-date=\"", restored.Header("x-oss-restore"), StringComparison.Ordinal);
        var expiry = DateTimeOffset.Parse(restored.Header("x-oss-restore")!.Split('"')[3], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(expiry, DateTimeOffset.UtcNow.AddDays(2).AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(2).AddMinutes(1));
        Assert.Equal("frozen data", (await Client.GetAsync(bucket, "cold")).Text);
        Assert.Equal(200, (await Client.CopyAsync(bucket, "cold", bucket, "copy")).Status);
        Assert.Equal(restored.Header("x-oss-restore"), (await Client.SendAsync(new OssCall(HttpMethod.Get, bucket).Q("prefix", "cold"))).X("RestoreInfo"));

        // Restoring a restored object extends it: 200, not 202.
        Assert.Equal(200, (await RestoreAsync(bucket, "cold")).Status);
    }

    [Fact]
    public async Task Objects_that_are_not_archived_cannot_be_restored_and_days_are_bounded()
    {
        var bucket = await fixture.NewBucketAsync();
        await Client.PutAsync(bucket, "warm", "x", c => c.H("x-oss-storage-class", "IA"));
        var refused = await RestoreAsync(bucket, "warm");
        Assert.Equal(400, refused.Status);
        Assert.Equal("OperationNotSupported", refused.ErrorCode);
        Assert.Equal("0016-00000702", refused.Header("x-oss-ec"));
        Assert.Equal("NoSuchKey", (await RestoreAsync(bucket, "missing")).ErrorCode);

        await Client.PutAsync(bucket, "archive", "x", c => c.H("x-oss-storage-class", "Archive"));
        Assert.Equal("InvalidArgument", (await RestoreAsync(bucket, "archive", "<RestoreRequest><Days>8</Days></RestoreRequest>")).ErrorCode);
        Assert.Equal("MalformedXML", (await RestoreAsync(bucket, "archive", "<Restore>")).ErrorCode);
        await Client.PutAsync(bucket, "cold-archive", "x", c => c.H("x-oss-storage-class", "ColdArchive"));
        Assert.Equal(202, (await RestoreAsync(bucket, "cold-archive", "<RestoreRequest><Days>30</Days></RestoreRequest>")).Status);
    }

    [Fact]
    public async Task A_noncurrent_version_is_restored_by_version_id()
    {
        var bucket = await fixture.NewBucketAsync(versioned: true);
        var first = (await Client.PutAsync(bucket, "k", "old", c => c.H("x-oss-storage-class", "Archive"))).Header("x-oss-version-id")!;
        await Client.PutAsync(bucket, "k", "new");
        var answer = await RestoreAsync(bucket, "k", versionId: first);
        Assert.Equal(202, answer.Status);
        Assert.Equal(first, answer.Header("x-oss-version-id"));
        Assert.Equal("OperationNotSupported", (await RestoreAsync(bucket, "k")).ErrorCode);
        await Task.Delay(RestoreFixture.Delay + TimeSpan.FromMilliseconds(100));
        Assert.Equal("old", (await Client.GetAsync(bucket, "k", c => c.Q("versionId", first))).Text);
    }

    [Theory]
    [InlineData("ColdArchive", null, "Standard")]
    [InlineData("ColdArchive", "Expedited", "Expedited")]
    [InlineData("ColdArchive", "Bulk", "Bulk")]
    [InlineData("DeepColdArchive", null, "Standard")]
    [InlineData("DeepColdArchive", "Standard", "Standard")]
    [InlineData("DeepColdArchive", "Expedited", "Expedited")]
    public async Task Cold_archive_restores_answer_the_priority_asked_or_Standard(string storageClass, string? tier, string priority)
    {
        var bucket = await fixture.NewBucketAsync();
        await Client.PutAsync(bucket, "cold", "x", c => c.H("x-oss-storage-class", storageClass));
        var body = tier is null
            ? "<RestoreRequest><Days>3</Days></RestoreRequest>"
            : $"<RestoreRequest><Days>3</Days><JobParameters><Tier>{tier}</Tier></JobParameters></RestoreRequest>";
        var answer = await RestoreAsync(bucket, "cold", body);
        Assert.Equal(202, answer.Status);
        Assert.Equal(priority, answer.Header("x-oss-object-restore-priority"));
    }

    [Fact]
    public async Task Archive_restores_take_no_job_parameters_and_answer_no_priority()
    {
        var bucket = await fixture.NewBucketAsync();
        await Client.PutAsync(bucket, "archive", "x", c => c.H("x-oss-storage-class", "Archive"));
        var refused = await RestoreAsync(bucket, "archive", "<RestoreRequest><Days>2</Days><JobParameters><Tier>Expedited</Tier></JobParameters></RestoreRequest>");
        Assert.Equal(400, refused.Status);
        Assert.Equal("MalformedXML", refused.ErrorCode);
        Assert.Equal("0016-00000714", refused.Header("x-oss-ec"));
        Assert.Null((await Client.HeadAsync(bucket, "archive")).Header("x-oss-restore"));

        var accepted = await RestoreAsync(bucket, "archive", "<RestoreRequest><Days>2</Days></RestoreRequest>");
        Assert.Equal(202, accepted.Status);
        Assert.Null(accepted.Header("x-oss-object-restore-priority"));
    }

    [Fact]
    public async Task Invalid_tiers_and_days_answer_the_ecs_of_their_storage_class()
    {
        var bucket = await fixture.NewBucketAsync();
        await Client.PutAsync(bucket, "archive", "x", c => c.H("x-oss-storage-class", "Archive"));
        await Client.PutAsync(bucket, "cold", "x", c => c.H("x-oss-storage-class", "ColdArchive"));

        var tier = await RestoreAsync(bucket, "cold", "<RestoreRequest><Days>2</Days><JobParameters><Tier>Test</Tier></JobParameters></RestoreRequest>");
        Assert.Equal(400, tier.Status);
        Assert.Equal("InvalidArgument", tier.ErrorCode);
        Assert.Equal("0016-00000703", tier.Header("x-oss-ec"));
        var archiveDays = await RestoreAsync(bucket, "archive", "<RestoreRequest><Days>8</Days></RestoreRequest>");
        Assert.Equal("InvalidArgument", archiveDays.ErrorCode);
        Assert.Equal("0016-00000708", archiveDays.Header("x-oss-ec"));
        var coldDays = await RestoreAsync(bucket, "cold", "<RestoreRequest><Days>366</Days></RestoreRequest>");
        Assert.Equal("InvalidArgument", coldDays.ErrorCode);
        Assert.Equal("0016-00000704", coldDays.Header("x-oss-ec"));
        Assert.Equal("0016-00000704", (await RestoreAsync(bucket, "cold", "<RestoreRequest><Days>-1</Days></RestoreRequest>")).Header("x-oss-ec"));
        Assert.Null((await Client.HeadAsync(bucket, "cold")).Header("x-oss-restore"));
    }

    [Theory]
    [InlineData("Archive")]
    [InlineData("ColdArchive")]
    [InlineData("DeepColdArchive")]
    public async Task Reading_or_copying_an_unrestored_object_is_InvalidObjectState_until_its_restore_finishes(string storageClass)
    {
        var bucket = await fixture.NewBucketAsync();
        await Client.PutAsync(bucket, "cold", "frozen bytes", c => c.H("x-oss-storage-class", storageClass));
        var uploadId = (await Client.SendAsync(new OssCall(HttpMethod.Post, bucket, "parts").Q("uploads"))).X("UploadId")!;

        async Task AssertFrozenAsync()
        {
            var answers = new[]
            {
                await Client.GetAsync(bucket, "cold"),
                await Client.GetAsync(bucket, "cold", c => c.H("Range", "bytes=0-3")),
                await Client.CopyAsync(bucket, "cold", bucket, "copy"),
                await Client.CopyAsync(bucket, "cold", bucket, "copy", c => c.H("x-oss-metadata-directive", "REPLACE").H("x-oss-storage-class", "Standard")),
                await Client.CopyAsync(bucket, "cold", bucket, "parts", c => c.Q("partNumber", "1").Q("uploadId", uploadId)),
            };
            foreach (var answer in answers)
            {
                Assert.Equal(403, answer.Status);
                Assert.Equal("InvalidObjectState", answer.ErrorCode);
                Assert.Equal("0016-00000404", answer.Header("x-oss-ec"));
            }

            Assert.Equal(404, (await Client.HeadAsync(bucket, "copy")).Status);
        }

        await AssertFrozenAsync();
        Assert.Equal(202, (await RestoreAsync(bucket, "cold")).Status);
        Assert.Equal("ongoing-request=\"true\"", (await Client.HeadAsync(bucket, "cold")).Header("x-oss-restore"));
        await AssertFrozenAsync();

        await Task.Delay(RestoreFixture.Delay + TimeSpan.FromMilliseconds(100));
        var head = await Client.HeadAsync(bucket, "cold");
        Assert.Matches("^ongoing-request=\"false\", expiry-date=\"[A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT\"$", head.Header("x-oss-restore"));
        Assert.Equal("frozen bytes", (await Client.GetAsync(bucket, "cold")).Text);
        Assert.Equal(200, (await Client.CopyAsync(bucket, "cold", bucket, "copy")).Status);
        var part = await Client.CopyAsync(bucket, "cold", bucket, "parts", c => c.Q("partNumber", "1").Q("uploadId", uploadId));
        Assert.Equal(200, part.Status);
    }
}
