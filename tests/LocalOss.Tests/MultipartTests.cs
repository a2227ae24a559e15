using System.Globalization;
using System.Security.Cryptography;
using LocalOss.Tests.Support;
using OssCopy.Oss.Hashing;

namespace LocalOss.Tests;

public sealed class MultipartTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const int PartSize = 100 * 1024;

    private OssTestClient Client => fixture.Client;

    private async Task<string> InitiateAsync(string bucket, string key, Action<OssCall>? configure = null)
    {
        var call = new OssCall(HttpMethod.Post, bucket, key).Q("uploads");
        configure?.Invoke(call);
        var answer = await Client.SendAsync(call);
        Assert.Equal(200, answer.Status);
        Assert.Equal(key, answer.X("Key"));
        return answer.X("UploadId")!;
    }

    private Task<OssAnswer> UploadPartAsync(string bucket, string key, string uploadId, int number, byte[] data) =>
        Client.SendAsync(new OssCall(HttpMethod.Put, bucket, key) { Body = data }.Q("partNumber", number.ToString(CultureInfo.InvariantCulture)).Q("uploadId", uploadId));

    private static string CompleteXml(params (int Number, string ETag)[] parts) =>
        "<CompleteMultipartUpload>" + string.Concat(parts.Select(p => $"<Part><PartNumber>{p.Number}</PartNumber><ETag>{p.ETag}</ETag></Part>")) +
        "</CompleteMultipartUpload>";

    [Theory]
    [InlineData(Signing.V4)]
    [InlineData(Signing.V1)]
    public async Task Upload_complete_gives_multipart_etag_and_combined_crc(Signing signing)
    {
        var bucket = await fixture.NewBucketAsync();
        var parts = new[] { RandomNumberGenerator.GetBytes(PartSize), RandomNumberGenerator.GetBytes(PartSize + 7), RandomNumberGenerator.GetBytes(33) };
        var uploadId = await InitiateAsync(bucket, "mp/file", c => c.H("Content-Type", "text/mp").H("x-oss-meta-k", "v").H("x-oss-tagging", "t=1"));
        var etags = new List<(int, string)>();
        for (var i = 0; i < parts.Length; i++)
        {
            var answer = await UploadPartAsync(bucket, "mp/file", uploadId, i + 1, parts[i]);
            Assert.Equal(200, answer.Status);
            Assert.Equal($"\"{Convert.ToHexString(MD5.HashData(parts[i]))}\"", answer.Header("ETag"));
            Assert.Equal(Crc64.Compute(parts[i]).ToString(CultureInfo.InvariantCulture), answer.Header("x-oss-hash-crc64ecma"));
            etags.Add((i + 1, answer.Header("ETag")!));
        }

        var list = await Client.SendAsync(new OssCall(HttpMethod.Get, bucket, "mp/file").Q("uploadId", uploadId));
        Assert.Equal(["1", "2", "3"], list.Xml.Descendants("PartNumber").Select(p => p.Value));

        var complete = await Client.SendAsync(new OssCall(HttpMethod.Post, bucket, "mp/file") { Signing = signing }
            .Q("uploadId", uploadId).WithBody(CompleteXml([.. etags])));
        Assert.Equal(200, complete.Status);
        var whole = parts.SelectMany(p => p).ToArray();
        var expectedEtag = Convert.ToHexString(MD5.HashData(parts.SelectMany(p => MD5.HashData(p)).ToArray())) + "-3";
        Assert.Equal($"\"{expectedEtag}\"", complete.X("ETag"));
        Assert.Equal(Crc64.Compute(whole).ToString(CultureInfo.InvariantCulture), complete.Header("x-oss-hash-crc64ecma"));
        Assert.Equal(bucket, complete.X("Bucket"));

        var get = await Client.GetAsync(bucket, "mp/file");
        Assert.Equal(whole, get.Body);
        Assert.Equal("Multipart", get.Header("x-oss-object-type"));
        Assert.Equal("text/mp", get.Header("Content-Type"));
        Assert.Equal("v", get.Header("x-oss-meta-k"));
        Assert.Equal("1", get.Header("x-oss-tagging-count"));
        Assert.Equal(complete.Header("x-oss-hash-crc64ecma"), get.Header("x-oss-hash-crc64ecma"));
        var range = await Client.GetAsync(bucket, "mp/file", c => c.H("Range", $"bytes={PartSize - 5}-{PartSize + 4}"));
        Assert.Equal(whole.AsSpan(PartSize - 5, 10).ToArray(), range.Body);
        Assert.Equal(404, (await Client.SendAsync(new OssCall(HttpMethod.Get, bucket, "mp/file").Q("uploadId", uploadId))).Status);
    }

    [Fact]
    public async Task Upload_part_copy_with_ranges_and_complete_all()
    {
        var bucket = await fixture.NewBucketAsync(versioned: true);
        var source = RandomNumberGenerator.GetBytes(3 * PartSize + 10);
        var sourceVersion = (await Client.PutAsync(bucket, "src", source)).Header("x-oss-version-id");
        var blobs = fixture.Server.StoredBlobCount;
        var uploadId = await InitiateAsync(bucket, "dest");
        for (var i = 0; i < 4; i++)
        {
            var first = i * PartSize;
            var last = Math.Min(source.Length, first + PartSize) - 1;
            var answer = await Client.SendAsync(new OssCall(HttpMethod.Put, bucket, "dest")
                .Q("partNumber", (i + 1).ToString(CultureInfo.InvariantCulture)).Q("uploadId", uploadId)
                .H("x-oss-copy-source", $"/{bucket}/src").H("x-oss-copy-source-range", $"bytes={first}-{last}"));
            Assert.Equal(200, answer.Status);
            var slice = source.AsSpan(first, last - first + 1).ToArray();
            Assert.Equal($"\"{Convert.ToHexString(MD5.HashData(slice))}\"", answer.X("ETag"));
            Assert.Equal(sourceVersion, answer.Header("x-oss-copy-source-version-id"));
        }

        var complete = await Client.SendAsync(new OssCall(HttpMethod.Post, bucket, "dest").Q("uploadId", uploadId).H("x-oss-complete-all", "yes"));
        Assert.Equal(200, complete.Status);
        Assert.EndsWith("-4\"", complete.X("ETag"), StringComparison.Ordinal);
        Assert.Equal(Crc64.Compute(source).ToString(CultureInfo.InvariantCulture), complete.Header("x-oss-hash-crc64ecma"));
        Assert.NotNull(complete.Header("x-oss-version-id"));
        Assert.Equal(source, (await Client.GetAsync(bucket, "dest")).Body);
        Assert.Equal(blobs, fixture.Server.StoredBlobCount);
    }

    [Fact]
    public async Task Complete_errors_invalid_part_order_too_small_and_abort()
    {
        var bucket = await fixture.NewBucketAsync();
        var uploadId = await InitiateAsync(bucket, "e");
        var p1 = (await UploadPartAsync(bucket, "e", uploadId, 1, new byte[10])).Header("ETag")!;
        var p2 = (await UploadPartAsync(bucket, "e", uploadId, 2, new byte[10])).Header("ETag")!;

        Assert.Equal("InvalidPartOrder", (await Client.SendAsync(new OssCall(HttpMethod.Post, bucket, "e").Q("uploadId", uploadId).WithBody(CompleteXml((2, p2), (1, p1))))).ErrorCode);
        Assert.Equal("InvalidPart", (await Client.SendAsync(new OssCall(HttpMethod.Post, bucket, "e").Q("uploadId", uploadId).WithBody(CompleteXml((1, "\"0000\""))))).ErrorCode);
        Assert.Equal("EntityTooSmall", (await Client.SendAsync(new OssCall(HttpMethod.Post, bucket, "e").Q("uploadId", uploadId).WithBody(CompleteXml((1, p1), (2, p2))))).ErrorCode);
        Assert.Equal("MalformedXML", (await Client.SendAsync(new OssCall(HttpMethod.Post, bucket, "e").Q("uploadId", uploadId).WithBody("<CompleteMultipartUpload><Part>"))).ErrorCode);
        Assert.Equal("InvalidArgument", (await UploadPartAsync(bucket, "e", uploadId, 10001, new byte[1])).ErrorCode);

        var uploads = await Client.SendAsync(new OssCall(HttpMethod.Get, bucket).Q("uploads"));
        Assert.Contains(uploadId, uploads.Xml.Descendants("UploadId").Select(u => u.Value));
        Assert.Equal(204, (await Client.SendAsync(new OssCall(HttpMethod.Delete, bucket, "e").Q("uploadId", uploadId))).Status);
        var gone = await Client.SendAsync(new OssCall(HttpMethod.Delete, bucket, "e").Q("uploadId", uploadId));
        Assert.Equal(404, gone.Status);
        Assert.Equal("NoSuchUpload", gone.ErrorCode);
        Assert.Equal("NoSuchUpload", (await UploadPartAsync(bucket, "e", uploadId, 1, new byte[1])).ErrorCode);
        Assert.Equal(404, (await Client.HeadAsync(bucket, "e")).Status);
    }

    [Fact]
    public async Task List_multipart_uploads_pages_with_key_and_upload_id_markers()
    {
        var bucket = await fixture.NewBucketAsync();
        var ids = new List<(string Key, string Id)>();
        foreach (var key in new[] { "a", "a", "b", "c" })
        {
            ids.Add((key, await InitiateAsync(bucket, key)));
        }

        var expected = ids.OrderBy(u => u.Key, StringComparer.Ordinal).ThenBy(u => u.Id, StringComparer.Ordinal).ToList();
        var seen = new List<(string, string)>();
        string keyMarker = "", idMarker = "";
        for (var page = 0; page < 10; page++)
        {
            var answer = await Client.SendAsync(new OssCall(HttpMethod.Get, bucket).Q("uploads").Q("max-uploads", "1")
                .Q("key-marker", keyMarker).Q("upload-id-marker", idMarker));
            seen.AddRange(answer.Xml.Elements("Upload").Select(u => (u.Element("Key")!.Value, u.Element("UploadId")!.Value)));
            if (answer.X("IsTruncated") != "true")
            {
                break;
            }

            keyMarker = answer.X("NextKeyMarker")!;
            idMarker = answer.X("NextUploadIdMarker")!;
        }

        Assert.Equal(expected, seen);
    }

    [Fact]
    public async Task Single_part_upload_under_minimum_is_allowed_as_last_part()
    {
        var bucket = await fixture.NewBucketAsync();
        var uploadId = await InitiateAsync(bucket, "one");
        var etag = (await UploadPartAsync(bucket, "one", uploadId, 1, "tiny"u8.ToArray())).Header("ETag")!;
        var complete = await Client.SendAsync(new OssCall(HttpMethod.Post, bucket, "one").Q("uploadId", uploadId).Q("encoding-type", "url")
            .WithBody(CompleteXml((1, etag.Replace("\"", "&#34;", StringComparison.Ordinal)))));
        Assert.Equal(200, complete.Status);
        Assert.Equal("url", complete.X("EncodingType"));
        Assert.Equal("tiny", (await Client.GetAsync(bucket, "one")).Text);
    }
}
