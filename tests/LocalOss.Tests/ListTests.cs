using LocalOss.Tests.Support;

namespace LocalOss.Tests;

public sealed class ListTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly string[] Keys =
    [
        "a.txt", "dir/", "dir/one", "dir/sub/two", "dir/sub/three", "dir2/x", "dir2/y", "space key", "z+plus", "ünï/ç", "zz/deep/er",
    ];

    private OssTestClient Client => fixture.Client;

    private async Task<string> BucketWithKeysAsync()
    {
        var bucket = await fixture.NewBucketAsync();
        foreach (var key in Keys)
        {
            Assert.Equal(200, (await Client.PutAsync(bucket, key, key)).Status);
        }

        return bucket;
    }

    private Task<OssAnswer> ListAsync(string bucket, bool v2, params (string Name, string Value)[] query)
    {
        var call = new OssCall(HttpMethod.Get, bucket);
        if (v2)
        {
            call.Q("list-type", "2");
        }

        foreach (var (name, value) in query)
        {
            call.Q(name, value);
        }

        return Client.SendAsync(call);
    }

    private static string[] ByteOrder(IEnumerable<string> keys) =>
        keys.OrderBy(k => System.Text.Encoding.UTF8.GetBytes(k), Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b))).ToArray();

    [Fact]
    public async Task A_page_larger_than_the_writers_chunks_arrives_whole_with_multibyte_keys_intact()
    {
        // Some 120 KB of XML: the answer is written in 8 KiB pieces of text, so 4-byte characters (surrogate pairs)
        // and 3-byte ones fall across piece boundaries, and Content-Length must still be the exact byte count.
        var bucket = await fixture.NewBucketAsync();
        var keys = Enumerable.Range(0, 240).Select(i => $"相册/{i:D3}-" + string.Concat(Enumerable.Repeat("😀", 90 + (i % 7))) + new string('ü', i % 5)).ToArray();
        foreach (var key in keys)
        {
            Assert.Equal(200, (await Client.PutAsync(bucket, key, "x")).Status);
        }

        var answer = await ListAsync(bucket, true, ("max-keys", "1000"));

        Assert.Equal(200, answer.Status);
        Assert.Equal(ByteOrder(keys), answer.Xml.Elements("Contents").Select(c => c.Element("Key")!.Value));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Lists_all_keys_in_utf8_byte_order(bool v2)
    {
        var bucket = await BucketWithKeysAsync();
        var answer = await ListAsync(bucket, v2);
        Assert.Equal(200, answer.Status);
        Assert.Equal(ByteOrder(Keys), answer.Xml.Elements("Contents").Select(c => c.Element("Key")!.Value));
        Assert.Equal("false", answer.X("IsTruncated"));
        var first = answer.Xml.Elements("Contents").First();
        Assert.Equal("\"" + Convert.ToHexString(System.Security.Cryptography.MD5.HashData("a.txt"u8)) + "\"", first.Element("ETag")!.Value);
        Assert.Equal("5", first.Element("Size")!.Value);
        Assert.Equal("Normal", first.Element("Type")!.Value);
        Assert.Equal("Standard", first.Element("StorageClass")!.Value);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", first.Element("LastModified")!.Value);
        if (v2)
        {
            Assert.Equal(Keys.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), answer.X("KeyCount"));
            Assert.Null(first.Element("Owner"));
        }
        else
        {
            Assert.NotNull(first.Element("Owner"));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Prefix_and_delimiter_give_common_prefixes(bool v2)
    {
        var bucket = await BucketWithKeysAsync();
        var root = await ListAsync(bucket, v2, ("delimiter", "/"));
        Assert.Equal(["a.txt", "space key", "z+plus"], root.Xml.Elements("Contents").Select(c => c.Element("Key")!.Value));
        Assert.Equal(["dir/", "dir2/", "zz/", "ünï/"], root.Xml.Elements("CommonPrefixes").Select(c => c.Element("Prefix")!.Value));

        var dir = await ListAsync(bucket, v2, ("prefix", "dir/"), ("delimiter", "/"));
        Assert.Equal(["dir/", "dir/one"], dir.Xml.Elements("Contents").Select(c => c.Element("Key")!.Value));
        Assert.Equal(["dir/sub/"], dir.Xml.Elements("CommonPrefixes").Select(c => c.Element("Prefix")!.Value));
        Assert.Equal("dir/", dir.X("Prefix"));
    }

    [Fact]
    public async Task V2_pages_with_continuation_tokens_and_start_after()
    {
        var bucket = await BucketWithKeysAsync();
        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var query = new List<(string, string)> { ("max-keys", "3"), ("delimiter", "/") };
            if (token is not null)
            {
                query.Add(("continuation-token", token));
            }

            var page = await ListAsync(bucket, true, [.. query]);
            pages++;
            seen.AddRange(page.Xml.Elements().Where(e => e.Name == "Contents" || e.Name == "CommonPrefixes")
                .Select(e => (e.Element("Key") ?? e.Element("Prefix"))!.Value));
            Assert.True(int.Parse(page.X("KeyCount")!, System.Globalization.CultureInfo.InvariantCulture) <= 3);
            token = page.X("IsTruncated") == "true" ? page.X("NextContinuationToken") : null;
        }
        while (token is not null && pages < 10);

        Assert.Equal(["a.txt", "dir/", "dir2/", "space key", "z+plus", "zz/", "ünï/"], seen);
        Assert.Equal(3, pages);

        var after = await ListAsync(bucket, true, ("start-after", "dir/sub/three"));
        Assert.Equal("dir/sub/two", after.Xml.Elements("Contents").First().Element("Key")!.Value);
        Assert.Equal("dir/sub/three", after.X("StartAfter"));
    }

    [Fact]
    public async Task V1_pages_with_marker_and_next_marker()
    {
        var bucket = await BucketWithKeysAsync();
        var seen = new List<string>();
        var marker = "";
        for (var i = 0; i < 10; i++)
        {
            var page = await ListAsync(bucket, false, ("max-keys", "4"), ("marker", marker));
            seen.AddRange(page.Xml.Elements("Contents").Select(c => c.Element("Key")!.Value));
            if (page.X("IsTruncated") != "true")
            {
                break;
            }

            marker = page.X("NextMarker")!;
        }

        Assert.Equal(ByteOrder(Keys), seen);
    }

    [Fact]
    public async Task Url_encoding_type_encodes_keys_and_prefixes_and_fetch_owner()
    {
        var bucket = await BucketWithKeysAsync();
        var answer = await ListAsync(bucket, true, ("encoding-type", "url"), ("fetch-owner", "true"), ("delimiter", "/"), ("prefix", ""));
        Assert.Equal("url", answer.X("EncodingType"));
        var keys = answer.Xml.Elements("Contents").Select(c => c.Element("Key")!.Value).ToList();
        Assert.Contains("space%20key", keys);
        Assert.Contains("z%2Bplus", keys);
        Assert.Contains("%C3%BCn%C3%AF/", answer.Xml.Elements("CommonPrefixes").Select(c => c.Element("Prefix")!.Value));
        Assert.NotNull(answer.Xml.Elements("Contents").First().Element("Owner")?.Element("ID"));
        Assert.Equal("/", Uri.UnescapeDataString(answer.X("Delimiter")!));
    }

    [Fact]
    public async Task Max_keys_out_of_range_is_InvalidArgument()
    {
        var bucket = await fixture.NewBucketAsync();
        Assert.Equal("InvalidArgument", (await ListAsync(bucket, true, ("max-keys", "1001"))).ErrorCode);
        Assert.Equal("InvalidArgument", (await ListAsync(bucket, true, ("max-keys", "x"))).ErrorCode);
        Assert.Equal("InvalidArgument", (await ListAsync(bucket, true, ("continuation-token", "!!!"))).ErrorCode);
    }

    [Fact]
    public async Task Paging_ten_thousand_keys_reads_pages_from_the_index()
    {
        var bucket = await fixture.NewBucketAsync();
        var tasks = Enumerable.Range(0, 2000).Select(i => Client.PutAsync(bucket, $"k/{i:D5}", ""));
        foreach (var chunk in tasks.Chunk(50))
        {
            await Task.WhenAll(chunk);
        }

        var count = 0;
        string? token = null;
        do
        {
            var call = new OssCall(HttpMethod.Get, bucket).Q("list-type", "2").Q("max-keys", "1000");
            if (token is not null)
            {
                call.Q("continuation-token", token);
            }

            var page = await Client.SendAsync(call);
            count += page.Xml.Elements("Contents").Count();
            token = page.X("IsTruncated") == "true" ? page.X("NextContinuationToken") : null;
        }
        while (token is not null);

        Assert.Equal(2000, count);
    }

    [Fact]
    public async Task Pages_read_in_several_batches_keep_every_key_in_order_and_skip_common_prefixes()
    {
        // More keys than one batch of the store's reads: the page is put together over several turns on its lock.
        var bucket = await fixture.NewBucketAsync();
        var keys = Enumerable.Range(0, 150).SelectMany(i => new[] { $"a/{i:D3}", $"b{i:D3}", $"c/x/{i:D3}" }).ToArray();
        foreach (var chunk in keys.Chunk(50))
        {
            await Task.WhenAll(chunk.Select(k => Client.PutAsync(bucket, k, "")));
        }

        var listed = new List<string>();
        string? token = null;
        do
        {
            var page = await ListAsync(bucket, true, token is null ? [("max-keys", "333")] : [("max-keys", "333"), ("continuation-token", token)]);
            listed.AddRange(page.Xml.Elements("Contents").Select(c => c.Element("Key")!.Value));
            token = page.X("IsTruncated") == "true" ? page.X("NextContinuationToken") : null;
        }
        while (token is not null);

        var grouped = await ListAsync(bucket, true, ("delimiter", "/"), ("max-keys", "1000"));

        Assert.Equal(ByteOrder(keys), listed);
        Assert.Equal(["a/", "c/"], grouped.Xml.Elements("CommonPrefixes").Select(p => p.Element("Prefix")!.Value));
        Assert.Equal(keys.Where(k => k[0] == 'b').Order(StringComparer.Ordinal), grouped.Xml.Elements("Contents").Select(c => c.Element("Key")!.Value));
    }

    [Fact]
    public async Task Versions_listing_shows_versions_and_delete_markers()
    {
        var bucket = await fixture.NewBucketAsync(versioned: true);
        var v1 = (await Client.PutAsync(bucket, "k", "1")).Header("x-oss-version-id")!;
        var v2 = (await Client.PutAsync(bucket, "k", "22")).Header("x-oss-version-id")!;
        var deleted = await Client.DeleteAsync(bucket, "k");
        Assert.Equal("true", deleted.Header("x-oss-delete-marker"));
        var marker = deleted.Header("x-oss-version-id")!;
        await Client.PutAsync(bucket, "other", "o");

        var head = await Client.HeadAsync(bucket, "k");
        Assert.Equal(404, head.Status);
        Assert.Equal("true", head.Header("x-oss-delete-marker"));
        Assert.Equal("1", (await Client.GetAsync(bucket, "k", c => c.Q("versionId", v1))).Text);
        Assert.Empty((await ListAsync(bucket, true, ("prefix", "k"))).Xml.Elements("Contents"));

        var versions = await Client.SendAsync(new OssCall(HttpMethod.Get, bucket).Q("versions"));
        Assert.Equal(200, versions.Status);
        var entries = versions.Xml.Elements().Where(e => e.Name == "Version" || e.Name == "DeleteMarker")
            .Select(e => (e.Name.LocalName, e.Element("Key")!.Value, e.Element("VersionId")!.Value, e.Element("IsLatest")!.Value))
            .ToList();
        Assert.Equal(
            [("DeleteMarker", "k", marker, "true"), ("Version", "k", v2, "false"), ("Version", "k", v1, "false"), ("Version", "other", entries[3].Item3, "true")],
            entries);

        var paged = await Client.SendAsync(new OssCall(HttpMethod.Get, bucket).Q("versions").Q("max-keys", "2"));
        Assert.Equal("true", paged.X("IsTruncated"));
        var next = await Client.SendAsync(new OssCall(HttpMethod.Get, bucket).Q("versions").Q("key-marker", paged.X("NextKeyMarker")!)
            .Q("version-id-marker", paged.X("NextVersionIdMarker")!));
        Assert.Equal([v1, entries[3].Item3], next.Xml.Elements().Where(e => e.Name == "Version").Select(e => e.Element("VersionId")!.Value));

        // Deleting the marker version brings the object back.
        Assert.Equal(204, (await Client.DeleteAsync(bucket, "k", c => c.Q("versionId", marker))).Status);
        Assert.Equal("22", (await Client.GetAsync(bucket, "k")).Text);
        Assert.Equal(204, (await Client.DeleteAsync(bucket, "k", c => c.Q("versionId", v2))).Status);
        Assert.Equal("1", (await Client.GetAsync(bucket, "k")).Text);
    }
}
