using System.Net;
using Microsoft.Extensions.Time.Testing;
using OssCopy.Oss.Credentials;

namespace OssCopy.Oss.Tests.TemporaryCredentials;

public class StsClientTests
{
    [Fact]
    public async Task AssumeRoleWithOIDC_is_an_unsigned_RPC_POST_with_common_parameters_in_the_query_and_the_rest_in_a_form()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 10, 0, 0, TimeSpan.Zero));
        var sts = new StsStub { Now = time.GetUtcNow };

        var credentials = await sts.Client(time).AssumeRoleWithOidcAsync(
            new AssumeRoleWithOidcRequest("acs:ram::1:role/r", "acs:ram::1:oidc-provider/p", "eyJ.the.token", "my-session") { DurationSeconds = 900, Policy = "{}" }, default);

        var (request, body) = Assert.Single(sts.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("sts.cn-hangzhou.aliyuncs.com", request.RequestUri!.Host);
        Assert.Equal("https", request.RequestUri.Scheme);
        var query = request.RequestUri.Query;
        foreach (var expected in new[] { "Action=AssumeRoleWithOIDC", "Version=2015-04-01", "Format=JSON", "Timestamp=2026-12-04T10%3A00%3A00Z", "SignatureNonce=" })
        {
            Assert.Contains(expected, query, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("token", query, StringComparison.OrdinalIgnoreCase);
        Assert.Null(request.Headers.Authorization);
        Assert.Equal("RoleArn=acs%3Aram%3A%3A1%3Arole%2Fr&OIDCProviderArn=acs%3Aram%3A%3A1%3Aoidc-provider%2Fp&OIDCToken=eyJ.the.token&RoleSessionName=my-session&DurationSeconds=900&Policy=%7B%7D", body);
        Assert.Equal(("STS.key1", "secret-1", "token-1"), (credentials.AccessKeyId, credentials.AccessKeySecret, credentials.SecurityToken));
        Assert.Equal(time.GetUtcNow().AddHours(1), credentials.Expiration);
    }

    [Fact]
    public async Task An_answer_that_is_not_STS_JSON_is_an_error_that_does_not_echo_the_body()
    {
        var time = new FakeTimeProvider();
        var sts = new StsStub { Error = (HttpStatusCode.BadGateway, "<html>proxy page with secret-ish stuff</html>") };

        var error = await Assert.ThrowsAsync<StsException>(() => sts.Client(time).AssumeRoleWithOidcAsync(
            new AssumeRoleWithOidcRequest("r", "p", "tok", "s"), default));

        Assert.Equal((502, "InvalidResponse", true), (error.StatusCode, error.ErrorCode, error.IsTransient));
        Assert.DoesNotContain("proxy page", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://sts.example.com", false)]
    [InlineData("ftp://127.0.0.1", false)]
    [InlineData("http://127.0.0.1:9000/_sts", true)]
    [InlineData("http://[::1]:9000/_sts", true)]
    [InlineData("http://localhost:9000/_sts", true)]
    [InlineData("sts-vpc.cn-shanghai.aliyuncs.com", true)]
    public void Plain_http_is_allowed_for_a_loopback_STS_only(string endpoint, bool allowed)
    {
        var options = new StsClientOptions { Endpoint = endpoint };
        if (allowed)
        {
            Assert.EndsWith("/", options.ResolveEndpoint().AbsolutePath, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains("Oss:Sts:Endpoint", Assert.Throws<ArgumentException>(() => options.ResolveEndpoint()).Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Without_an_endpoint_the_region_names_the_STS_host() =>
        Assert.Equal(new Uri("https://sts.cn-beijing.aliyuncs.com/"), new StsClientOptions { Region = "oss-cn-beijing" }.ResolveEndpoint());

    [Fact]
    public void A_malformed_region_is_an_error_naming_the_setting() =>
        Assert.Contains("Oss:Sts:Region", Assert.Throws<ArgumentException>(() => new StsClientOptions { Region = "cn hang/zhou" }.ResolveEndpoint()).Message,
            StringComparison.Ordinal);
}
