using OssCopy.Oss.Http;
using OssCopy.Core.Backup;

namespace OssCopy.Core.Tests.Backup;

public class AdaptiveConcurrencyLimiterTests
{
    [Fact]
    public async Task A_burst_of_throttling_halves_the_limit_once_not_once_per_request()
    {
        var limiter = new AdaptiveConcurrencyLimiter(maximum: 16);
        var leases = new List<AdaptiveConcurrencyLimiter.Lease>();
        for (var i = 0; i < 16; i++)
        {
            leases.Add(await limiter.AcquireAsync(CancellationToken.None));
        }

        leases.ForEach(l => l.Throttled());

        Assert.Equal((8, 1), (limiter.Limit, limiter.Decreases));
    }

    [Fact]
    public async Task Throttling_after_a_decrease_lowers_again_down_to_the_minimum()
    {
        var limiter = new AdaptiveConcurrencyLimiter(maximum: 16, minimum: 3);
        var seen = new List<int>();
        for (var i = 0; i < 5; i++)
        {
            (await limiter.AcquireAsync(CancellationToken.None)).Throttled();
            seen.Add(limiter.Limit);
        }

        Assert.Equal([8, 4, 3, 3, 3], seen);
    }

    [Fact]
    public async Task The_limit_recovers_by_one_per_limit_successes()
    {
        var limiter = new AdaptiveConcurrencyLimiter(maximum: 8, initial: 2);
        var seen = new List<int>();
        for (var i = 0; i < 12; i++)
        {
            (await limiter.AcquireAsync(CancellationToken.None)).Succeeded();
            seen.Add(limiter.Limit);
        }

        Assert.Equal([2, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5], seen);
    }

    [Fact]
    public async Task No_more_than_the_limit_run_at_once_and_waiters_get_freed_slots()
    {
        var limiter = new AdaptiveConcurrencyLimiter(maximum: 2);
        var a = await limiter.AcquireAsync(CancellationToken.None);
        var b = await limiter.AcquireAsync(CancellationToken.None);
        var third = limiter.AcquireAsync(CancellationToken.None).AsTask();

        await Task.Delay(20);
        Assert.False(third.IsCompleted);
        a.Dispose();
        var c = await third.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(2, limiter.InFlight);
        b.Dispose();
        c.Dispose();
        Assert.Equal(0, limiter.InFlight);
    }

    [Fact]
    public async Task A_cancelled_waiter_leaves_the_queue()
    {
        var limiter = new AdaptiveConcurrencyLimiter(maximum: 1);
        using var held = await limiter.AcquireAsync(CancellationToken.None);
        using var cts = new CancellationTokenSource();
        var waiting = limiter.AcquireAsync(cts.Token).AsTask();

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        held.Dispose();
        using var next = await limiter.AcquireAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(1, limiter.InFlight);
    }

    [Fact]
    public async Task Reporting_twice_on_one_lease_counts_once()
    {
        var limiter = new AdaptiveConcurrencyLimiter(maximum: 4);
        var lease = await limiter.AcquireAsync(CancellationToken.None);

        lease.Throttled();
        lease.Dispose();

        Assert.Equal((0, 2), (limiter.InFlight, limiter.Limit));
    }

    [Fact]
    public void Throttling_signals_from_the_pipeline_halve_once_per_burst()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var limiter = new AdaptiveConcurrencyLimiter(maximum: 32, timeProvider: time);

        for (var i = 0; i < 10; i++)
        {
            limiter.ReportThrottle();
        }

        Assert.Equal((16, 1), (limiter.Limit, limiter.Decreases));
        time.Advance(TimeSpan.FromMilliseconds(100));
        limiter.ReportThrottle();
        Assert.Equal(16, limiter.Limit);
        time.Advance(TimeSpan.FromMilliseconds(200));
        limiter.ReportThrottle();
        Assert.Equal((8, 2, 8), (limiter.Limit, limiter.Decreases, limiter.Lowest));
    }

    [Fact]
    public async Task The_signal_handler_raises_on_503_and_429_only()
    {
        var signal = new ThrottleSignal();
        var statuses = new Queue<System.Net.HttpStatusCode>([System.Net.HttpStatusCode.OK, System.Net.HttpStatusCode.ServiceUnavailable,
            System.Net.HttpStatusCode.TooManyRequests, System.Net.HttpStatusCode.InternalServerError, System.Net.HttpStatusCode.Forbidden]);
        using var invoker = new HttpMessageInvoker(new ThrottleSignalHandler(signal, new StubHandler(() => new HttpResponseMessage(statuses.Dequeue()))));

        for (var i = 0; i < 5; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1/");
            using var response = await invoker.SendAsync(request, CancellationToken.None);
        }

        Assert.Equal(2, signal.Count);
    }

    private sealed class StubHandler(Func<HttpResponseMessage> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => Task.FromResult(answer());
    }
}
