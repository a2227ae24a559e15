using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LocalOss.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OssCopy.Oss;
using OssCopy.Oss.Http;
using OssCopy.Oss.Models;

namespace LocalOss.Tests;

/// <summary>The rate model over HTTP: OSS's 503 answers, counted, and seen by our client. Rates are tiny, so no test depends on timing.</summary>
public sealed class ThrottlingTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IDisposable
{
    /// <summary>Earns a token every 1,000 seconds: within a test only the burst passes.</summary>
    private const double Trickle = 0.001;

    private OssTestClient Client => fixture.Client;

    public void Dispose() => fixture.Server.Throttle.Configure(new LocalOssThrottlingOptions());

    [Fact]
    public async Task Requests_over_the_account_rate_are_answered_503_TotalQpsLimitExceeded_as_OSS_answers()
    {
        var bucket = await fixture.NewBucketAsync();
        Assert.Equal(200, (await Client.PutAsync(bucket, "k", "x")).Status);
        fixture.Server.Throttle.Configure(new LocalOssThrottlingOptions { AccountRequestsPerSecond = Trickle, AccountBurst = 2 });
        fixture.Server.Counters.Reset();

        Assert.Equal(200, (await Client.GetAsync(bucket, "k")).Status);
        Assert.Equal(200, (await Client.HeadAsync(bucket, "k")).Status);
        var refused = await Client.GetAsync(bucket, "k");

        Assert.Equal(503, refused.Status);
        Assert.Equal("TotalQpsLimitExceeded", refused.ErrorCode);
        Assert.Equal("Max total qps limit is exceeded", refused.X("Message"));
        Assert.Equal("0004-00000302", refused.X("EC"));
        Assert.Equal("0004-00000302", refused.Header("x-oss-ec"));
        Assert.Matches("^[0-9A-F]{24}$", refused.X("RequestId"));
        Assert.Equal(refused.X("RequestId"), refused.Header("x-oss-request-id"));
        Assert.Equal(3, fixture.Server.Counters.Total);
        Assert.Equal(1, fixture.Server.Counters.Throttled);
        Assert.Equal(1, fixture.Server.Counters.ThrottledSnapshot()["TotalQpsLimitExceeded"]);
    }

    [Fact]
    public async Task Sequential_keys_are_throttled_by_their_partition_while_spread_keys_pass()
    {
        var bucket = await fixture.NewBucketAsync();
        fixture.Server.Throttle.Configure(new LocalOssThrottlingOptions { PrefixRequestsPerSecond = Trickle, PrefixBurst = 3, PrefixLength = 6 });
        fixture.Server.Counters.Reset();

        var sequential = new List<OssAnswer>();
        for (var i = 0; i < 10; i++)
        {
            sequential.Add(await Client.PutAsync(bucket, $"batch/{i:D4}", "x"));
        }

        var spread = new List<int>();
        for (var i = 0; i < 10; i++)
        {
            // A hashed lead, as OSS's performance guide advises: every key its own partition.
            spread.Add((await Client.PutAsync(bucket, $"{i * 7919 % 4096:x3}{i}/batch/{i:D4}", "x")).Status);
        }

        Assert.Equal([200, 200, 200, 503, 503, 503, 503, 503, 503, 503], sequential.Select(a => a.Status));
        var refused = sequential[^1];
        Assert.Equal("PartitionQpsLimitted", refused.ErrorCode);
        Assert.Equal("0026-00000028", refused.X("EC"));
        Assert.All(spread, status => Assert.Equal(200, status));
        Assert.Equal(7, fixture.Server.Counters.ThrottledSnapshot()["PartitionQpsLimitted"]);
        // Reads of the partition are refused as well; lifted, they show that a refused PUT stored nothing.
        Assert.Equal("PartitionQpsLimitted", (await Client.GetAsync(bucket, "batch/0000")).ErrorCode);
        fixture.Server.Throttle.Configure(new LocalOssThrottlingOptions());
        Assert.Equal(404, (await Client.GetAsync(bucket, "batch/0009")).Status);
    }

    [Fact]
    public async Task Our_client_retries_a_throttled_request_and_reports_every_attempt_to_the_throttle_signal()
    {
        var bucket = await fixture.NewBucketAsync();
        Assert.Equal(200, (await Client.PutAsync(bucket, "k", "x")).Status);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Oss:Region"] = "cn-hangzhou",
            ["Oss:Endpoint"] = fixture.Server.BaseAddress.ToString(),
            ["Oss:UsePathStyle"] = "true",
            ["Oss:DisableSsl"] = "true",
            ["Oss:MaxRetries"] = "2",
            ["Oss:RetryBaseDelay"] = "00:00:00.001",
            ["Oss:AccessKeyId"] = LocalOssOptions.DefaultAccessKeyId,
            ["Oss:AccessKeySecret"] = LocalOssOptions.DefaultAccessKeySecret,
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddOssClient(configuration).AddThrottleSignal();
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IOssClient>();
        var signal = provider.GetRequiredService<ThrottleSignal>();
        fixture.Server.Throttle.Configure(new LocalOssThrottlingOptions { AccountRequestsPerSecond = Trickle, AccountBurst = 1 });
        fixture.Server.Counters.Reset();

        await client.HeadObjectAsync(new HeadObjectRequest { Bucket = bucket, Key = "k" });
        var error = await Assert.ThrowsAsync<OssException>(() => client.GetObjectAsync(new GetObjectRequest { Bucket = bucket, Key = "k" }));

        Assert.Equal(503, error.StatusCode);
        Assert.Equal("TotalQpsLimitExceeded", error.ErrorCode);
        Assert.Equal("0004-00000302", error.Ec);
        Assert.False(string.IsNullOrEmpty(error.RequestId));
        Assert.Equal(3, signal.Count); // the first attempt and both retries
        Assert.Equal(3, fixture.Server.Counters.Throttled);
        Assert.Equal(3, fixture.Server.Counters["GetObject"]);
    }

    [Fact]
    public async Task Limits_are_set_and_read_through_the_admin_endpoint_and_counters_show_throttled_requests()
    {
        var bucket = await fixture.NewBucketAsync();
        Assert.Equal(200, (await Client.PutAsync(bucket, "k", "x")).Status);
        var admin = new Uri(fixture.Server.BaseAddress, "/_localoss/throttling");
        var limits = new StringContent("""{"accountRequestsPerSecond":0.001,"accountBurst":1,"prefixRequestsPerSecond":400,"prefixLength":4}""",
            Encoding.UTF8, "application/json");
        Assert.Equal(204, (int)(await fixture.Http.PutAsync(admin, limits)).StatusCode);
        await fixture.Http.DeleteAsync(new Uri(fixture.Server.BaseAddress, "/_localoss/counters"));

        var read = await fixture.Http.GetFromJsonAsync<JsonElement>(admin);
        Assert.Equal(0.001, read.GetProperty("accountRequestsPerSecond").GetDouble());
        Assert.Equal(1, read.GetProperty("accountBurst").GetInt32());
        Assert.Equal(400, read.GetProperty("prefixRequestsPerSecond").GetDouble());
        Assert.Equal(JsonValueKind.Null, read.GetProperty("prefixBurst").ValueKind);
        Assert.Equal(4, read.GetProperty("prefixLength").GetInt32());

        Assert.Equal(200, (await Client.GetAsync(bucket, "k")).Status);
        Assert.Equal(503, (await Client.GetAsync(bucket, "k")).Status);
        using (var counters = JsonDocument.Parse(await fixture.Http.GetStringAsync(new Uri(fixture.Server.BaseAddress, "/_localoss/counters"))))
        {
            Assert.Equal(2, counters.RootElement.GetProperty("total").GetInt64());
            Assert.Equal(1, counters.RootElement.GetProperty("throttled").GetInt64());
            Assert.Equal(1, counters.RootElement.GetProperty("throttledCodes").GetProperty("TotalQpsLimitExceeded").GetInt64());
        }

        var bad = new StringContent("""{"accountRequestsPerSecond":-5}""", Encoding.UTF8, "application/json");
        Assert.Equal(400, (int)(await fixture.Http.PutAsync(admin, bad)).StatusCode);
        Assert.Equal(204, (int)(await fixture.Http.DeleteAsync(admin)).StatusCode);
        Assert.Equal(200, (await Client.GetAsync(bucket, "k")).Status);
    }
}

/// <summary>A LocalOss that takes 150 ms (plus up to 20 ms) per request.</summary>
public sealed class LatencyFixture : ServerFixture
{
    public static readonly TimeSpan Fixed = TimeSpan.FromMilliseconds(150);

    protected override void Configure(LocalOssOptions options)
    {
        options.Latency.Fixed = Fixed;
        options.Latency.Jitter = TimeSpan.FromMilliseconds(20);
    }
}

public sealed class LatencyTests(LatencyFixture fixture) : IClassFixture<LatencyFixture>
{
    [Fact]
    public async Task Every_answer_waits_at_least_the_fixed_latency_error_answers_included()
    {
        var bucket = await fixture.NewBucketAsync();
        Assert.Equal(200, (await fixture.Client.PutAsync(bucket, "k", "x")).Status);

        // Only a lower bound: a loaded machine may take longer, never shorter.
        var watch = Stopwatch.StartNew();
        Assert.Equal(200, (await fixture.Client.GetAsync(bucket, "k")).Status);
        Assert.True(watch.Elapsed >= LatencyFixture.Fixed, $"a GET took {watch.Elapsed.TotalMilliseconds} ms");

        watch.Restart();
        Assert.Equal(404, (await fixture.Client.GetAsync(bucket, "missing")).Status);
        Assert.True(watch.Elapsed >= LatencyFixture.Fixed, $"a 404 took {watch.Elapsed.TotalMilliseconds} ms");
    }
}
