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

        Assert.Equal(202, (await RestoreAsync(bucket, "cold", "<RestoreRequest><Days>2</Days><JobParameters><Tier>Standard</Tier></JobParameters></RestoreRequest>")).Status);
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
}
