using System.Diagnostics;
using LocalOss.Storage;
using LocalOss.Tests.Support;

namespace LocalOss.Tests;

public sealed class ScaleTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public void Listing_batches_seek_the_primary_key_index(bool inclusive, bool bounded)
    {
        var plan = fixture.Server.Store.ExplainQueryPlan(MetadataStore.ListCurrentSql(inclusive, bounded));
        Assert.Contains("SEARCH objects USING PRIMARY KEY (bucket=? AND key>", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("SCAN", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("TEMP B-TREE", plan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_page_from_the_middle_of_300000_objects_is_as_fast_as_from_a_small_bucket()
    {
        var bucket = await fixture.NewBucketAsync();
        var record = await fixture.Server.Store.ReadAsync(s => s.GetBucket(bucket)!, CancellationToken.None);
        await fixture.Server.Store.WriteAsync(s =>
        {
            for (var i = 0; i < 300_000; i++)
            {
                s.WriteObject(record, new ObjectRecord
                {
                    Bucket = bucket,
                    Key = $"d{i % 100:D3}/obj-{i:D7}",
                    ETag = "D41D8CD98F00B204E9800998ECF8427E",
                    LastModified = DateTimeOffset.UtcNow,
                });
            }

            return 0;
        }, CancellationToken.None);

        var client = fixture.Client;
        var warm = await client.SendAsync(new OssCall(HttpMethod.Get, bucket).Q("list-type", "2").Q("max-keys", "1000").Q("start-after", "d050/"));
        Assert.Equal(1000, warm.Xml.Elements("Contents").Count());
        Assert.Equal("d050/obj-0000050", warm.Xml.Elements("Contents").First().Element("Key")!.Value);

        var watch = Stopwatch.StartNew();
        for (var i = 0; i < 5; i++)
        {
            var page = await client.SendAsync(new OssCall(HttpMethod.Get, bucket).Q("list-type", "2").Q("max-keys", "1000")
                .Q("start-after", $"d0{60 + i}/obj-0100000"));
            Assert.Equal(1000, page.Xml.Elements("Contents").Count());
        }

        // Delimiter listing: 100 common prefixes of 3,000 keys each, one seek per prefix.
        var prefixes = await client.SendAsync(new OssCall(HttpMethod.Get, bucket).Q("list-type", "2").Q("delimiter", "/").Q("max-keys", "1000"));
        Assert.Equal(100, prefixes.Xml.Elements("CommonPrefixes").Count());
        Assert.True(watch.ElapsedMilliseconds < 3000, $"6 listings took {watch.ElapsedMilliseconds} ms");
    }
}
