using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LocalOss.Tests.Support;

namespace LocalOss.Tests;

public sealed class FaultTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IDisposable
{
    private OssTestClient Client => fixture.Client;

    public void Dispose() => fixture.Server.Faults.Clear();

    private async Task<List<int>> RunGetsAsync(string bucket, int count)
    {
        var statuses = new List<int>();
        for (var i = 0; i < count; i++)
        {
            statuses.Add((await Client.GetAsync(bucket, "k")).Status);
        }

        return statuses;
    }

    [Fact]
    public async Task Seeded_faults_repeat_exactly()
    {
        var bucket = await fixture.NewBucketAsync();
        await Client.PutAsync(bucket, "k", "x");
        var rules = new[] { new LocalOssFaultRule { Operation = "GetObject", Kind = LocalOssFaultKind.SlowDown, Rate = 0.5 } };

        fixture.Server.Faults.Configure(42, rules);
        var first = await RunGetsAsync(bucket, 40);
        fixture.Server.Faults.Configure(42, rules);
        var second = await RunGetsAsync(bucket, 40);
        fixture.Server.Faults.Configure(7, rules);
        var other = await RunGetsAsync(bucket, 40);

        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
        Assert.Contains(200, first);
        Assert.Contains(503, first);
        Assert.Equal(200, (await Client.PutAsync(bucket, "put-unaffected", "x")).Status);
    }

    [Fact]
    public async Task SlowDown_and_InternalError_have_oss_bodies_and_count_limits()
    {
        var bucket = await fixture.NewBucketAsync();
        fixture.Server.Faults.Configure(1, [
            new LocalOssFaultRule { Operation = "PutObject", Kind = LocalOssFaultKind.SlowDown, Count = 1 },
            new LocalOssFaultRule { Operation = "*", Kind = LocalOssFaultKind.InternalError, Count = 1 },
        ]);
        var slow = await Client.PutAsync(bucket, "k", "x");
        Assert.Equal(503, slow.Status);
        Assert.Equal("SlowDown", slow.ErrorCode);
        var internalError = await Client.PutAsync(bucket, "k", "x");
        Assert.Equal(500, internalError.Status);
        Assert.Equal("InternalError", internalError.ErrorCode);
        Assert.Equal(200, (await Client.PutAsync(bucket, "k", "x")).Status);
        Assert.Equal([1, 1], fixture.Server.Faults.Snapshot().Select(r => r.Hits));
    }

    [Fact]
    public async Task Dropped_connection_and_latency()
    {
        var bucket = await fixture.NewBucketAsync();
        await Client.PutAsync(bucket, "k", "x");
        fixture.Server.Faults.Configure(1, [new LocalOssFaultRule { Operation = "HeadObject", Kind = LocalOssFaultKind.DropConnection, Count = 1 }]);
        await Assert.ThrowsAsync<HttpRequestException>(() => Client.HeadAsync(bucket, "k"));
        Assert.Equal(200, (await Client.HeadAsync(bucket, "k")).Status);

        fixture.Server.Faults.Configure(1, [new LocalOssFaultRule { Operation = "GetObject", Kind = LocalOssFaultKind.Latency, LatencyMilliseconds = 300 }]);
        var watch = Stopwatch.StartNew();
        Assert.Equal(200, (await Client.GetAsync(bucket, "k")).Status);
        Assert.True(watch.ElapsedMilliseconds >= 290, $"took {watch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Counters_in_process_and_through_the_admin_endpoint()
    {
        var bucket = await fixture.NewBucketAsync();
        fixture.Server.Counters.Reset();
        await Client.PutAsync(bucket, "a", "1");
        await Client.PutAsync(bucket, "b", "2");
        await Client.CopyAsync(bucket, "a", bucket, "c");
        await Client.GetAsync(bucket, "missing");
        await Client.SendAsync(new OssCall(HttpMethod.Get, bucket, "x") { Signing = Signing.None });

        Assert.Equal(2, fixture.Server.Counters["PutObject"]);
        Assert.Equal(1, fixture.Server.Counters["CopyObject"]);
        Assert.Equal(2, fixture.Server.Counters["GetObject"]);
        Assert.Equal(5, fixture.Server.Counters.Total);

        using var json = JsonDocument.Parse(await fixture.Http.GetStringAsync(new Uri(fixture.Server.BaseAddress, "/_localoss/counters")));
        Assert.Equal(2, json.RootElement.GetProperty("operations").GetProperty("PutObject").GetInt64());
        Assert.Equal(5, json.RootElement.GetProperty("total").GetInt64());

        var reset = await fixture.Http.DeleteAsync(new Uri(fixture.Server.BaseAddress, "/_localoss/counters"));
        Assert.Equal(204, (int)reset.StatusCode);
        Assert.Equal(0, fixture.Server.Counters.Total);
    }

    [Fact]
    public async Task Faults_configured_through_the_admin_endpoint()
    {
        var bucket = await fixture.NewBucketAsync();
        await Client.PutAsync(bucket, "k", "x");
        var body = new StringContent("""{"seed":5,"rules":[{"operation":"CopyObject","kind":"SlowDown","rate":1}]}""", Encoding.UTF8, "application/json");
        Assert.Equal(204, (int)(await fixture.Http.PutAsync(new Uri(fixture.Server.BaseAddress, "/_localoss/faults"), body)).StatusCode);
        Assert.Equal("SlowDown", (await Client.CopyAsync(bucket, "k", bucket, "c")).ErrorCode);

        var listed = await fixture.Http.GetFromJsonAsync<JsonElement>(new Uri(fixture.Server.BaseAddress, "/_localoss/faults"));
        Assert.Equal(5, listed.GetProperty("seed").GetInt32());
        Assert.Equal(1, listed.GetProperty("rules")[0].GetProperty("hits").GetInt32());

        var bad = new StringContent("""{"rules":[{"operation":"x","kind":"Explode"}]}""", Encoding.UTF8, "application/json");
        Assert.Equal(400, (int)(await fixture.Http.PutAsync(new Uri(fixture.Server.BaseAddress, "/_localoss/faults"), bad)).StatusCode);

        Assert.Equal(204, (int)(await fixture.Http.DeleteAsync(new Uri(fixture.Server.BaseAddress, "/_localoss/faults"))).StatusCode);
        Assert.Equal(200, (await Client.CopyAsync(bucket, "k", bucket, "c")).Status);
    }

    [Fact]
    public async Task Fault_options_apply_from_start_and_are_validated()
    {
        var options = new LocalOssOptions { Port = 0 };
        options.Faults.Seed = 3;
        options.Faults.Rules.Add(new LocalOssFaultRule { Operation = "ListBuckets", Kind = LocalOssFaultKind.InternalError });
        await using (var server = await LocalOssServer.StartAsync(options))
        {
            using var http = new HttpClient();
            var client = new OssTestClient(http, server.BaseAddress);
            Assert.Equal("InternalError", (await client.SendAsync(new OssCall(HttpMethod.Get, null))).ErrorCode);
        }

        var bad = new LocalOssOptions { Port = 0 };
        bad.Faults.Rules.Add(new LocalOssFaultRule { Rate = 2 });
        await Assert.ThrowsAsync<System.ComponentModel.DataAnnotations.ValidationException>(() => LocalOssServer.StartAsync(bad));
    }
}
