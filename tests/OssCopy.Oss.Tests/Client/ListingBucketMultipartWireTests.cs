using System.Net;
using OssCopy.Oss.Models;
using OssCopy.Oss.Tests.Support;

namespace OssCopy.Oss.Tests.Client;

public class ListingBucketMultipartWireTests
{
    private static string Page(bool truncated, string? next, params string[] keys) => $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <ListBucketResult>
          <Name>examplebucket</Name><Prefix>a%2F</Prefix><MaxKeys>2</MaxKeys><Delimiter>%2F</Delimiter>
          <EncodingType>url</EncodingType><IsTruncated>{(truncated ? "true" : "false")}</IsTruncated>
          {(next is null ? string.Empty : $"<NextContinuationToken>{next}</NextContinuationToken>")}
          <KeyCount>{keys.Length + 1}</KeyCount>
          {string.Concat(keys.Select(k => $"<Contents><Key>{k}</Key><LastModified>2012-02-24T08:43:07.000Z</LastModified><ETag>\"5B3C\"</ETag><Type>Normal</Type><Size>344606</Size><StorageClass>Standard</StorageClass><Owner><ID>0022012</ID><DisplayName>user</DisplayName></Owner></Contents>"))}
          <CommonPrefixes><Prefix>a%2Fsub%20dir%2F</Prefix></CommonPrefixes>
        </ListBucketResult>
        """;

    [Fact]
    public async Task ListObjectsV2_sends_every_parameter_and_decodes_url_encoded_keys()
    {
        var handler = new RecordingHandler().ThenRespond(HttpStatusCode.OK, Page(false, null, "a%2Fkey%20one", "a%2F%E4%B8%AD"));
        var client = TestClients.Create(handler);

        var page = await client.ListObjectsV2Async(new ListObjectsV2Request
        {
            Bucket = "examplebucket", Prefix = "a/", Delimiter = "/", StartAfter = "a/0", MaxKeys = 2, FetchOwner = true,
        });

        Assert.Equal("/?list-type=2&prefix=a%2F&delimiter=%2F&start-after=a%2F0&max-keys=2&encoding-type=url&fetch-owner=true", handler.Requests[0].PathAndQuery);
        Assert.Equal(["a/key one", "a/中"], page.Contents.Select(c => c.Key));
        Assert.Equal(["a/sub dir/"], page.CommonPrefixes);
        Assert.Equal(("a/", "/", 2, 3, false), (page.Prefix, page.Delimiter, page.MaxKeys, page.KeyCount, page.IsTruncated));
        var first = page.Contents[0];
        Assert.Equal((344606L, "\"5B3C\"", "Standard", "Normal", "0022012"), (first.Size, first.ETag, first.StorageClass, first.ObjectType, first.OwnerId));
        WireVerifier.AssertV4Signature(handler.Requests[0], pathStyle: false);
    }

    [Fact]
    public async Task All_pages_follow_the_continuation_token()
    {
        var handler = new RecordingHandler()
            .ThenRespond(HttpStatusCode.OK, Page(true, "token%2B1", "k1", "k2"))
            .ThenRespond(HttpStatusCode.OK, Page(false, null, "k3"));
        var client = TestClients.Create(handler);

        var keys = new List<string>();
        await foreach (var page in client.ListObjectsV2PagesAsync(new ListObjectsV2Request { Bucket = "examplebucket", MaxKeys = 2 }))
        {
            keys.AddRange(page.Contents.Select(c => c.Key));
        }

        Assert.Equal(["k1", "k2", "k3"], keys);
        Assert.Contains("continuation-token=token%2B1", handler.Requests[1].PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_truncated_page_without_a_token_is_an_error_not_an_endless_loop()
    {
        var handler = new RecordingHandler().ThenRespond(HttpStatusCode.OK, Page(true, null, "k1"));
        var client = TestClients.Create(handler);

        await Assert.ThrowsAsync<OssException>(async () =>
        {
            await foreach (var unused in client.ListObjectsV2PagesAsync(new ListObjectsV2Request { Bucket = "examplebucket" }))
            {
            }
        });
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1001)]
    public async Task MaxKeys_out_of_range_is_refused(int maxKeys)
    {
        var handler = new RecordingHandler();
        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            TestClients.Create(handler).ListObjectsV2Async(new ListObjectsV2Request { Bucket = "b-1", MaxKeys = maxKeys }));
        Assert.Equal("MaxKeys", error.ParamName);
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task Bucket_operations_use_the_bucket_path_and_parse_their_answers()
    {
        var handler = new RecordingHandler()
            .ThenRespond(HttpStatusCode.OK)
            .ThenRespond(HttpStatusCode.OK, """
                <BucketInfo><Bucket><CreationDate>2013-07-31T10:56:21.000Z</CreationDate><ExtranetEndpoint>oss-cn-hangzhou.aliyuncs.com</ExtranetEndpoint>
                <IntranetEndpoint>oss-cn-hangzhou-internal.aliyuncs.com</IntranetEndpoint><Location>oss-cn-hangzhou</Location><StorageClass>Standard</StorageClass>
                <Name>oss-example</Name><Owner><DisplayName>u</DisplayName><ID>27183473914</ID></Owner><AccessControlList><Grant>private</Grant></AccessControlList>
                <Versioning>Enabled</Versioning></Bucket></BucketInfo>
                """)
            .ThenRespond(HttpStatusCode.OK, "<LocationConstraint>oss-cn-shanghai</LocationConstraint>")
            .ThenRespond(HttpStatusCode.OK)
            .ThenRespond(HttpStatusCode.OK, "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>");
        var client = TestClients.Create(handler, endpoint: "http://127.0.0.1:9000");

        await client.PutBucketAsync(new PutBucketRequest { Bucket = "oss-example", Acl = "private", StorageClass = "standard", DataRedundancyType = "LRS" });
        var info = await client.GetBucketInfoAsync("oss-example");
        var location = await client.GetBucketLocationAsync("oss-example");
        await client.PutBucketVersioningAsync("oss-example", "enabled");
        var versioning = await client.GetBucketVersioningAsync("oss-example");

        Assert.Equal(["/oss-example/", "/oss-example/?bucketInfo", "/oss-example/?location", "/oss-example/?versioning", "/oss-example/?versioning"],
            handler.Requests.Select(r => r.PathAndQuery));
        Assert.Equal("<CreateBucketConfiguration><StorageClass>Standard</StorageClass><DataRedundancyType>LRS</DataRedundancyType></CreateBucketConfiguration>", handler.Requests[0].BodyText);
        Assert.Equal("private", handler.Requests[0].Header("x-oss-acl"));
        Assert.Equal(("oss-example", "oss-cn-hangzhou", "cn-hangzhou", "Enabled", "private"), (info.Bucket.Name, info.Bucket.Location, info.Bucket.Region, info.Bucket.Versioning, info.Bucket.Acl));
        Assert.Equal(("oss-cn-shanghai", "cn-shanghai"), (location.Location, location.Region));
        Assert.Equal("<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>", handler.Requests[3].BodyText);
        Assert.Equal("Enabled", versioning.Status);
        Assert.All(handler.Requests, r => WireVerifier.AssertV4Signature(r, pathStyle: true));
    }

    [Fact]
    public async Task Multipart_copy_requests_are_formed_as_the_official_copier_forms_them()
    {
        var handler = new RecordingHandler()
            .ThenRespond(HttpStatusCode.OK, "<InitiateMultipartUploadResult><Bucket>dest</Bucket><Key>big</Key><UploadId>0004B9894A22E5B1888A1E29F823****</UploadId></InitiateMultipartUploadResult>")
            .ThenRespond(HttpStatusCode.OK, "<CopyPartResult><LastModified>2014-07-17T06:27:54.000Z</LastModified><ETag>\"5B3C\"</ETag></CopyPartResult>", ("x-oss-copy-source-version-id", "sv"))
            .ThenRespond(HttpStatusCode.OK, "<CompleteMultipartUploadResult><EncodingType>url</EncodingType><Location>http://dest.oss-cn-hangzhou.aliyuncs.com/big</Location><Bucket>dest</Bucket><Key>demo%2Fmultipart.data</Key><ETag>\"097DE4-2\"</ETag></CompleteMultipartUploadResult>",
                ("x-oss-hash-crc64ecma", "7"), ("x-oss-version-id", "dv"))
            .ThenRespond(HttpStatusCode.NoContent);
        var client = TestClients.Create(handler);

        var init = await client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest
        {
            Bucket = "dest", Key = "big", Tagging = "a=1", ContentType = "video/mp4", Metadata = new Dictionary<string, string> { ["m"] = "v" },
            ServerSideEncryption = "AES256", StorageClass = "IA",
        });
        var part = await client.UploadPartCopyAsync(new UploadPartCopyRequest
        {
            Bucket = "dest", Key = "big", UploadId = init.UploadId, PartNumber = 2, SourceBucket = "src", SourceKey = "dir/src obj",
            SourceRange = new OssByteRange(104857600, 209715199), CopySourceIfMatch = "\"E\"",
        });
        var done = await client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            Bucket = "dest", Key = "big", UploadId = init.UploadId,
            Parts = [new OssUploadedPart(2, part.ETag), new OssUploadedPart(1, "\"1111\"")],
        });
        await client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { Bucket = "dest", Key = "big", UploadId = init.UploadId });

        var r = handler.Requests;
        Assert.Equal(("POST", "/big?uploads&encoding-type=url"), (r[0].Method, r[0].PathAndQuery));
        Assert.Equal(("a=1", "video/mp4", "v", "AES256", "IA"), (r[0].Header("x-oss-tagging"), r[0].Header("Content-Type"), r[0].Header("x-oss-meta-m"), r[0].Header("x-oss-server-side-encryption"), r[0].Header("x-oss-storage-class")));
        Assert.Equal("0004B9894A22E5B1888A1E29F823****", init.UploadId);
        Assert.Equal(("PUT", "/big?partNumber=2&uploadId=0004B9894A22E5B1888A1E29F823%2A%2A%2A%2A"), (r[1].Method, r[1].PathAndQuery));
        Assert.Equal(("/src/dir/src%20obj", "bytes=104857600-209715199", "\"E\""), (r[1].Header("x-oss-copy-source"), r[1].Header("x-oss-copy-source-range"), r[1].Header("x-oss-copy-source-if-match")));
        Assert.Equal(("\"5B3C\"", "sv"), (part.ETag, part.SourceVersionId));
        Assert.Equal(("POST", "/big?uploadId=0004B9894A22E5B1888A1E29F823%2A%2A%2A%2A&encoding-type=url"), (r[2].Method, r[2].PathAndQuery));
        Assert.Equal("<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"1111\"</ETag></Part><Part><PartNumber>2</PartNumber><ETag>\"5B3C\"</ETag></Part></CompleteMultipartUpload>", r[2].BodyText);
        Assert.Equal(("demo/multipart.data", "\"097DE4-2\"", 7UL, "dv"), (done.Key, done.ETag, done.HashCrc64!.Value, done.VersionId));
        Assert.Equal(("DELETE", "/big?uploadId=0004B9894A22E5B1888A1E29F823%2A%2A%2A%2A"), (r[3].Method, r[3].PathAndQuery));
        Assert.All(r, request => WireVerifier.AssertV4Signature(request, pathStyle: false));
    }

    [Fact]
    public async Task Complete_all_sends_the_header_and_no_body()
    {
        var handler = new RecordingHandler().ThenRespond(HttpStatusCode.OK, "<CompleteMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><ETag>\"E-3\"</ETag></CompleteMultipartUploadResult>");
        await TestClients.Create(handler).CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { Bucket = "b-1", Key = "k", UploadId = "u", CompleteAll = true });

        Assert.Equal("yes", handler.Requests[0].Header("x-oss-complete-all"));
        Assert.Empty(handler.Requests[0].Body);
    }

    public static TheoryData<string, Func<IOssClient, Task>> InvalidMultipartCalls => new()
    {
        { "PartNumber", c => c.UploadPartCopyAsync(new UploadPartCopyRequest { Bucket = "b-1", Key = "k", UploadId = "u", PartNumber = 0, SourceKey = "s" }) },
        { "PartNumber", c => c.UploadPartCopyAsync(new UploadPartCopyRequest { Bucket = "b-1", Key = "k", UploadId = "u", PartNumber = 10001, SourceKey = "s" }) },
        { "UploadId", c => c.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { Bucket = "b-1", Key = "k", UploadId = string.Empty }) },
        { "SourceRange", c => c.UploadPartCopyAsync(new UploadPartCopyRequest { Bucket = "b-1", Key = "k", UploadId = "u", PartNumber = 1, SourceKey = "s", SourceRange = new OssByteRange(10, 5) }) },
        { "Parts", c => c.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { Bucket = "b-1", Key = "k", UploadId = "u" }) },
        { "Parts", c => c.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { Bucket = "b-1", Key = "k", UploadId = "u", Parts = [new(1, "a"), new(1, "b")] }) },
    };

    [Theory]
    [MemberData(nameof(InvalidMultipartCalls))]
    public async Task Invalid_multipart_calls_are_refused_before_any_request(string field, Func<IOssClient, Task> call)
    {
        var handler = new RecordingHandler();
        var error = await Assert.ThrowsAnyAsync<ArgumentException>(() => call(TestClients.Create(handler)));
        Assert.Equal(field, error.ParamName);
        Assert.Empty(handler.Requests);
    }
}

public class AbortRetryTests
{
    [Fact]
    public async Task An_abort_whose_first_answer_was_lost_meets_NoSuchUpload_and_counts_as_done()
    {
        var handler = new RecordingHandler()
            .ThenThrow(new HttpRequestException("response lost"))
            .ThenRespond(HttpStatusCode.NotFound, "<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message><RequestId>r2</RequestId></Error>");

        var result = await TestClients.Create(handler).AbortMultipartUploadAsync(new AbortMultipartUploadRequest { Bucket = "b-1", Key = "k", UploadId = "u" });

        Assert.Equal((204, "r2"), (result.StatusCode, result.RequestId));
    }

    [Fact]
    public async Task A_first_attempt_NoSuchUpload_is_an_error()
    {
        var handler = new RecordingHandler()
            .ThenRespond(HttpStatusCode.NotFound, "<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message><RequestId>r1</RequestId></Error>");

        var error = await Assert.ThrowsAsync<OssException>(() =>
            TestClients.Create(handler).AbortMultipartUploadAsync(new AbortMultipartUploadRequest { Bucket = "b-1", Key = "k", UploadId = "u" }));

        Assert.Equal("NoSuchUpload", error.ErrorCode);
    }
}
