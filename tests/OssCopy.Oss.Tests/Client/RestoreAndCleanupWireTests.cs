using System.Net;
using OssCopy.Oss.Models;
using OssCopy.Oss.Tests.Support;

namespace OssCopy.Oss.Tests.Client;

/// <summary>RestoreObject and the bucket clean-up operations, as they go on the wire.</summary>
public class RestoreAndCleanupWireTests
{
    [Fact]
    public async Task RestoreObject_posts_days_and_tier_and_reads_202_as_started()
    {
        var handler = new RecordingHandler().ThenRespond(HttpStatusCode.Accepted, null, ("x-oss-version-id", "v2"));
        var client = TestClients.Create(handler);

        var result = await client.RestoreObjectAsync(new RestoreObjectRequest { Bucket = "bucket", Key = "cold/a.bin", VersionId = "v2", Days = 3, Tier = "bulk" });

        var sent = Assert.Single(handler.Requests);
        Assert.Equal(("POST", "/cold/a.bin?restore&versionId=v2"), (sent.Method, sent.PathAndQuery));
        Assert.Equal("<RestoreRequest><Days>3</Days><JobParameters><Tier>Bulk</Tier></JobParameters></RestoreRequest>",
            sent.BodyText[sent.BodyText.IndexOf("<RestoreRequest>", StringComparison.Ordinal)..]);
        Assert.Equal("application/xml", sent.Header("Content-Type"));
        WireVerifier.AssertV4Signature(sent, pathStyle: false);
        Assert.Equal((202, true, "v2"), (result.StatusCode, result.Started, result.VersionId));
    }

    [Fact]
    public async Task RestoreObject_of_an_Archive_object_sends_no_JobParameters_and_without_days_no_body()
    {
        var handler = new RecordingHandler().ThenRespond(HttpStatusCode.Accepted).ThenRespond(HttpStatusCode.OK);
        var client = TestClients.Create(handler);

        await client.RestoreObjectAsync(new RestoreObjectRequest { Bucket = "bucket", Key = "a", Days = 7 });
        var extended = await client.RestoreObjectAsync(new RestoreObjectRequest { Bucket = "bucket", Key = "a" });

        Assert.EndsWith("<RestoreRequest><Days>7</Days></RestoreRequest>", handler.Requests[0].BodyText, StringComparison.Ordinal);
        Assert.Empty(handler.Requests[1].Body);
        Assert.False(extended.Started);
    }

    [Theory]
    [InlineData(0, null, "Days")]
    [InlineData(366, null, "Days")]
    [InlineData(1, "Fast", "Tier")]
    public async Task RestoreObject_refuses_bad_days_and_tiers_before_any_request(int days, string? tier, string field)
    {
        var handler = new RecordingHandler();
        var client = TestClients.Create(handler);

        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            client.RestoreObjectAsync(new RestoreObjectRequest { Bucket = "bucket", Key = "a", Days = days, Tier = tier }));

        Assert.Equal(field, error.ParamName);
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task Versions_and_uploads_are_listed_with_their_markers_and_keys_decoded()
    {
        var handler = new RecordingHandler()
            .ThenRespond(HttpStatusCode.OK, """
                <ListVersionsResult><Name>bucket</Name><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated>
                <NextKeyMarker>b%2Fc</NextKeyMarker><NextVersionIdMarker>v9</NextVersionIdMarker>
                <Version><Key>a%20b</Key><VersionId>v1</VersionId><IsLatest>true</IsLatest></Version>
                <DeleteMarker><Key>b%2Fc</Key><VersionId>v9</VersionId><IsLatest>false</IsLatest></DeleteMarker>
                </ListVersionsResult>
                """)
            .ThenRespond(HttpStatusCode.OK, """
                <ListMultipartUploadsResult><Bucket>bucket</Bucket><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>
                <Upload><Key>big%2B1</Key><UploadId>U1</UploadId></Upload></ListMultipartUploadsResult>
                """);
        var client = TestClients.Create(handler);

        var versions = await client.ListObjectVersionsAsync("bucket", "a", "v0");
        var uploads = await client.ListMultipartUploadsAsync("bucket");

        Assert.Equal("/?versions&encoding-type=url&max-keys=1000&key-marker=a&version-id-marker=v0", handler.Requests[0].PathAndQuery);
        Assert.Equal([new OssObjectVersion("a b", "v1", false, true), new OssObjectVersion("b/c", "v9", true, false)], versions.Versions);
        Assert.Equal((true, "b/c", "v9"), (versions.IsTruncated, versions.NextKeyMarker, versions.NextVersionIdMarker));
        Assert.Equal("/?uploads&encoding-type=url", handler.Requests[1].PathAndQuery);
        Assert.Equal([new OssMultipartUpload("big+1", "U1")], uploads.Uploads);
    }
}
