using System.Net;
using System.Text.Json;
using LocalOss;
using LocalOss.Sts;

namespace OssCopy.Identity.Tests;

/// <summary>LocalOss's STS answers in STS's JSON shape, with STS's codes, for requests it cannot honour.</summary>
public sealed class LocalOssStsEndpointTests : IAsyncLifetime, IDisposable
{
    private const string UntrustedRole = "acs:ram::1234567890123456:role/other";
    private readonly TestIssuer _issuer = new();
    private LocalOssServer _server = null!;
    private readonly HttpClient _http = new();

    public async Task InitializeAsync()
    {
        var options = new LocalOssOptions { Port = 0, DataDirectory = null };
        var provider = new LocalOssOidcProvider { Arn = TestIssuer.ProviderArn, Issuer = TestIssuer.Issuer, JwksFile = _issuer.JwksFile };
        provider.Audiences.Add(TestIssuer.Audience);
        options.Sts.OidcProviders.Add(provider);
        var other = new LocalOssOidcProvider { Arn = "acs:ram::1234567890123456:oidc-provider/other", Issuer = "https://other.test", JwksFile = _issuer.JwksFile };
        other.Audiences.Add("x");
        options.Sts.OidcProviders.Add(other);
        var role = new LocalOssRole { Arn = UntrustedRole };
        role.TrustedProviderArns.Add(other.Arn);
        options.Sts.Roles.Add(role);
        var backup = new LocalOssRole { Arn = TestIssuer.RoleArn };
        backup.TrustedProviderArns.Add(TestIssuer.ProviderArn);
        options.Sts.Roles.Add(backup);
        _server = await LocalOssServer.StartAsync(options);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose()
    {
        _http.Dispose();
        _issuer.Dispose();
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> CallAsync(string query, Dictionary<string, string> form)
    {
        using var response = await _http.PostAsync(new Uri(_server.BaseAddress, "/_sts/?" + query), new FormUrlEncodedContent(form));
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private Dictionary<string, string> Form(string role = TestIssuer.RoleArn, string provider = TestIssuer.ProviderArn) => new()
    {
        ["RoleArn"] = role, ["OIDCProviderArn"] = provider, ["OIDCToken"] = _issuer.Mint(), ["RoleSessionName"] = "s1",
    };

    [Fact]
    public async Task Errors_carry_RequestId_HostId_Code_Message_and_Recommend()
    {
        var form = Form();
        form.Remove("RoleArn");

        var (status, body) = await CallAsync("Action=AssumeRoleWithOIDC&Version=2015-04-01&Format=JSON", form);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("MissingRoleArn", body.GetProperty("Code").GetString());
        foreach (var name in new[] { "RequestId", "HostId", "Message", "Recommend" })
        {
            Assert.False(string.IsNullOrEmpty(body.GetProperty(name).GetString()), name);
        }
    }

    [Theory]
    [InlineData("Action=AssumeRole", "", 404, "InvalidAction.NotFound")]
    [InlineData("Action=AssumeRoleWithOIDC", "unknown-provider", 401, "AuthenticationFail.NoPermission")]
    [InlineData("Action=AssumeRoleWithOIDC", "unknown-role", 404, "EntityNotExist.Role")]
    [InlineData("Action=AssumeRoleWithOIDC", "untrusting-role", 401, "AuthenticationFail.NoPermission")]
    [InlineData("Action=AssumeRoleWithOIDC&DurationSeconds=600", "", 400, "InvalidParameter.DurationSeconds")]
    public async Task Requests_it_cannot_honour_answer_STS_codes_and_issue_nothing(string query, string change, int status, string code)
    {
        var form = change switch
        {
            "unknown-provider" => Form(provider: "acs:ram::1:oidc-provider/nope"),
            "unknown-role" => Form(role: "acs:ram::1:role/nope"),
            "untrusting-role" => Form(role: UntrustedRole),
            _ => Form(),
        };
        if (query.Contains("DurationSeconds", StringComparison.Ordinal))
        {
            form["DurationSeconds"] = "600";
            query = "Action=AssumeRoleWithOIDC";
        }

        var (actual, body) = await CallAsync(query, form);

        Assert.Equal((status, code), ((int)actual, body.GetProperty("Code").GetString()));
        Assert.False(body.TryGetProperty("Credentials", out _));
    }

    [Theory]
    [InlineData("sts.cn-hangzhou.aliyuncs.com", true)]
    [InlineData("sts.aliyuncs.com", true)]
    [InlineData("sts-vpc.cn-shanghai.aliyuncs.com", true)]
    [InlineData("sts.oss-cn-hangzhou.aliyuncs.com", false)]
    [InlineData("sts.localhost", false)]
    public async Task An_STS_host_reaches_STS_and_a_bucket_named_sts_still_reaches_OSS(string host, bool sts)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_server.BaseAddress, "/?Action=AssumeRoleWithOIDC"));
        request.Headers.Host = host;
        request.Content = new FormUrlEncodedContent(Form());

        using var response = await _http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(sts, body.StartsWith('{'));
        Assert.Equal(sts, response.StatusCode == HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_valid_token_gets_credentials_in_STS_answer_shape()
    {
        var (status, body) = await CallAsync("Action=AssumeRoleWithOIDC&Version=2015-04-01&Format=JSON", Form());

        Assert.Equal(HttpStatusCode.OK, status);
        var credentials = body.GetProperty("Credentials");
        Assert.StartsWith("STS.", credentials.GetProperty("AccessKeyId").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(credentials.GetProperty("SecurityToken").GetString()));
        Assert.Matches("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$", credentials.GetProperty("Expiration").GetString());
        Assert.Equal("acs:ram::1234567890123456:assumed-role/osscopy-backup/s1", body.GetProperty("AssumedRoleUser").GetProperty("Arn").GetString());
        Assert.Equal(TestIssuer.Issuer, body.GetProperty("OIDCTokenInfo").GetProperty("Issuer").GetString());
    }
}

/// <summary>A provider whose JWKS is served on loopback (as an issuer's jwks_uri), not read from a file.</summary>
public sealed class LocalOssStsJwksUrlTests : IDisposable
{
    private readonly TestIssuer _issuer = new();

    public void Dispose() => _issuer.Dispose();

    [Fact]
    public async Task A_JWKS_served_on_loopback_verifies_tokens_and_non_loopback_URLs_are_refused_at_start()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var jwks = new HttpListener();
        jwks.Prefixes.Add($"http://127.0.0.1:{port}/");
        jwks.Start();
        var served = 0;
        var serving = Task.Run(async () =>
        {
            while (jwks.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await jwks.GetContextAsync();
                }
                catch (HttpListenerException)
                {
                    return;
                }
                catch (ObjectDisposedException)
                {
                    return;
                }

                Interlocked.Increment(ref served);
                var bytes = await File.ReadAllBytesAsync(_issuer.JwksFile);
                context.Response.ContentType = "application/json";
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
        });

        var options = new LocalOssOptions { Port = 0, DataDirectory = null };
        var provider = new LocalOssOidcProvider { Arn = TestIssuer.ProviderArn, Issuer = TestIssuer.Issuer, JwksUrl = $"http://127.0.0.1:{port}/keys" };
        provider.Audiences.Add(TestIssuer.Audience);
        options.Sts.OidcProviders.Add(provider);
        var role = new LocalOssRole { Arn = TestIssuer.RoleArn };
        role.TrustedProviderArns.Add(TestIssuer.ProviderArn);
        options.Sts.Roles.Add(role);
        await using (var server = await LocalOssServer.StartAsync(options))
        {
            using var http = new HttpClient();
            for (var i = 0; i < 2; i++)
            {
                using var response = await http.PostAsync(new Uri(server.BaseAddress, "/_sts?Action=AssumeRoleWithOIDC"), new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["RoleArn"] = TestIssuer.RoleArn, ["OIDCProviderArn"] = TestIssuer.ProviderArn, ["OIDCToken"] = _issuer.Mint(),
                }));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }

        // Read once, then cached until a token names a key it does not know.
        Assert.Equal(1, served);
        jwks.Stop();
        await serving;

        provider.JwksUrl = "http://jwks.example.com/keys";
        var error = await Assert.ThrowsAsync<System.ComponentModel.DataAnnotations.ValidationException>(() => LocalOssServer.StartAsync(options));
        Assert.Contains("JwksUrl must be a loopback URL", error.Message, StringComparison.Ordinal);
    }
}
