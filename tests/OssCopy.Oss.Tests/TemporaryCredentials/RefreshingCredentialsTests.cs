using System.Net;
using Microsoft.Extensions.Time.Testing;
using OssCopy.Oss.Credentials;

namespace OssCopy.Oss.Tests.TemporaryCredentials;

public class RefreshingCredentialsTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 4, 10, 0, 0, TimeSpan.Zero);

    private static (OidcRoleCredentialsProvider Provider, StsStub Sts, FakeTimeProvider Time) Create(TimeSpan lifetime, TimeSpan? retryDelay = null)
    {
        var time = new FakeTimeProvider(Start);
        var sts = new StsStub { Lifetime = lifetime, Now = time.GetUtcNow };
        var settings = new OidcRoleSettings("acs:ram::1:role/r", "acs:ram::1:oidc-provider/p", "session") { RetryDelay = retryDelay ?? TimeSpan.FromSeconds(15) };
        return (new OidcRoleCredentialsProvider(new FixedTokenSource("the-oidc-token"), sts.Client(time), settings, time), sts, time);
    }

    [Fact]
    public async Task Many_concurrent_callers_without_credentials_share_one_STS_request()
    {
        var (provider, sts, _) = Create(TimeSpan.FromHours(1));
        sts.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var callers = Enumerable.Range(0, 64).Select(_ => Task.Run(() => provider.GetCredentialsAsync(default).AsTask())).ToArray();
        await WaitUntilAsync(() => sts.RequestCount >= 1);
        await Task.Delay(50);
        sts.Gate.SetResult();
        var results = await Task.WhenAll(callers);

        Assert.Equal(1, sts.RequestCount);
        Assert.All(results, c => Assert.Equal(("STS.key1", "token-1"), (c.AccessKeyId, c.SecurityToken)));
    }

    [Fact]
    public async Task A_refused_set_is_dropped_once_and_a_report_about_an_older_set_keeps_the_newer_one()
    {
        var (provider, sts, _) = Create(TimeSpan.FromHours(1));
        var first = await provider.GetCredentialsAsync(default);

        provider.Expire(first);
        var second = await provider.GetCredentialsAsync(default);
        provider.Expire(first);
        var third = await provider.GetCredentialsAsync(default);

        Assert.Equal(("STS.key1", "STS.key2", "STS.key2"), (first.AccessKeyId, second.AccessKeyId, third.AccessKeyId));
        Assert.Equal(2, sts.RequestCount);
    }

    [Fact]
    public async Task Credentials_are_reused_until_a_fifth_of_their_lifetime_or_five_minutes_before_expiry()
    {
        var (provider, sts, time) = Create(TimeSpan.FromMinutes(15));
        await provider.GetCredentialsAsync(default);

        // 15 min lifetime: a fifth (3 min) is less than 5 min, so the refresh starts at 12 min.
        time.Advance(TimeSpan.FromMinutes(12) - TimeSpan.FromSeconds(1));
        Assert.Equal("STS.key1", (await provider.GetCredentialsAsync(default)).AccessKeyId);
        Assert.Equal(1, sts.RequestCount);

        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal("STS.key1", (await provider.GetCredentialsAsync(default)).AccessKeyId);
        await WaitUntilAsync(() => sts.RequestCount == 2);
        await WaitUntilAsync(async () => (await provider.GetCredentialsAsync(default)).AccessKeyId == "STS.key2");
    }

    [Fact]
    public async Task One_hour_credentials_refresh_five_minutes_ahead_and_many_callers_in_the_window_start_one_request()
    {
        var (provider, sts, time) = Create(TimeSpan.FromHours(1));
        await provider.GetCredentialsAsync(default);
        time.Advance(TimeSpan.FromMinutes(55) - TimeSpan.FromSeconds(1));
        await provider.GetCredentialsAsync(default);
        Assert.Equal(1, sts.RequestCount);

        time.Advance(TimeSpan.FromSeconds(2));
        sts.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var during = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(() => provider.GetCredentialsAsync(default).AsTask())));

        // Nobody waits for the refresh while the current credentials are valid.
        Assert.All(during, c => Assert.Equal("STS.key1", c.AccessKeyId));
        sts.Gate.SetResult();
        await WaitUntilAsync(async () => (await provider.GetCredentialsAsync(default)).AccessKeyId == "STS.key2");
        Assert.Equal(2, sts.RequestCount);
    }

    [Fact]
    public async Task A_failed_refresh_keeps_the_valid_credentials_and_tries_again_after_the_retry_delay()
    {
        var (provider, sts, time) = Create(TimeSpan.FromHours(1), retryDelay: TimeSpan.FromSeconds(30));
        await provider.GetCredentialsAsync(default);
        sts.Error = (HttpStatusCode.ServiceUnavailable, """{"RequestId":"r-503","HostId":"sts.aliyuncs.com","Code":"ServiceUnavailable","Message":"busy"}""");

        time.Advance(TimeSpan.FromMinutes(56));
        Assert.Equal("STS.key1", (await provider.GetCredentialsAsync(default)).AccessKeyId);
        await WaitUntilAsync(() => provider.FetchCount == 2 && sts.RequestCount == 2);
        await Task.Delay(50);

        // Within the retry delay: still the old credentials, no new request.
        time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal("STS.key1", (await provider.GetCredentialsAsync(default)).AccessKeyId);
        Assert.Equal(2, sts.RequestCount);

        sts.Error = null;
        time.Advance(TimeSpan.FromSeconds(11));
        await provider.GetCredentialsAsync(default);
        await WaitUntilAsync(async () => (await provider.GetCredentialsAsync(default)).AccessKeyId == "STS.key2");
        Assert.Equal(3, sts.RequestCount);
    }

    [Fact]
    public async Task Without_valid_credentials_an_STS_refusal_reaches_every_caller_with_its_code_and_request_id()
    {
        var (provider, sts, _) = Create(TimeSpan.FromHours(1));
        sts.Error = (HttpStatusCode.Unauthorized,
            """{"RequestId":"7A2B-REQ","HostId":"sts.aliyuncs.com","Code":"AuthenticationFail.OIDCToken.Expired","Message":"This JsonWebToken is expired.","Recommend":"https://api.aliyun.com/troubleshoot"}""");

        var error = await Assert.ThrowsAsync<StsException>(() => provider.GetCredentialsAsync(default).AsTask());

        Assert.Equal(("AuthenticationFail.OIDCToken.Expired", "This JsonWebToken is expired.", "7A2B-REQ", 401),
            (error.ErrorCode, error.ErrorMessage, error.RequestId, error.StatusCode));
        Assert.Contains("7A2B-REQ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("the-oidc-token", error.ToString(), StringComparison.Ordinal);

        // The next caller tries again (nothing valid to fall back on).
        sts.Error = null;
        Assert.StartsWith("STS.key", (await provider.GetCredentialsAsync(default)).AccessKeyId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Expired_credentials_are_never_handed_out_callers_wait_for_new_ones()
    {
        var (provider, sts, time) = Create(TimeSpan.FromHours(1));
        await provider.GetCredentialsAsync(default);
        time.Advance(TimeSpan.FromHours(2));

        var fresh = await provider.GetCredentialsAsync(default);

        Assert.Equal("STS.key2", fresh.AccessKeyId);
        Assert.Equal(time.GetUtcNow() + TimeSpan.FromHours(1), fresh.Expiration!.Value, TimeSpan.FromSeconds(1));
        Assert.Equal(2, sts.RequestCount);
    }

    private static Task WaitUntilAsync(Func<bool> condition) => WaitUntilAsync(() => Task.FromResult(condition()));

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not come true within 10 s.");
            await Task.Delay(10);
        }
    }
}
