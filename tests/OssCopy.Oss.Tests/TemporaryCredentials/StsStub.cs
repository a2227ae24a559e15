using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.Options;
using OssCopy.Oss.Credentials;

namespace OssCopy.Oss.Tests.TemporaryCredentials;

/// <summary>An STS double at the HTTP level: answers AssumeRoleWithOIDC from a script and records every request it saw.</summary>
internal sealed class StsStub : HttpMessageHandler, IHttpClientFactory
{
    private int _issued;

    public List<(HttpRequestMessage Request, string Body)> Requests { get; } = [];

    public int RequestCount { get { lock (Requests) { return Requests.Count; } } }

    /// <summary>Lifetime of the credentials answered, from <see cref="Now"/>.</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(1);

    public Func<DateTimeOffset> Now { get; set; } = () => DateTimeOffset.UtcNow;

    /// <summary>When set, the next answers are this error (status, JSON body).</summary>
    public (HttpStatusCode Status, string Body)? Error { get; set; }

    /// <summary>When set, answers wait for it (to hold many callers inside one request).</summary>
    public TaskCompletionSource? Gate { get; set; }

    public HttpClient CreateClient(string name) => new(this, disposeHandler: false);

    public StsClient Client(TimeProvider time, string endpoint = "https://sts.cn-hangzhou.aliyuncs.com") =>
        new(this, Options.Create(new StsClientOptions { Endpoint = endpoint }), time);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        lock (Requests)
        {
            Requests.Add((request, body));
        }

        if (Gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        if (Error is { } error)
        {
            return new HttpResponseMessage(error.Status) { Content = new StringContent(error.Body, Encoding.UTF8, "application/json") };
        }

        var n = Interlocked.Increment(ref _issued);
        var expiration = (Now() + Lifetime).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var json = $$$"""
            {"RequestId":"req-{{{n}}}","AssumedRoleUser":{"AssumedRoleId":"1:s","Arn":"acs:ram::1:assumed-role/r/s"},
             "OIDCTokenInfo":{"Subject":"sub","Issuer":"iss","ClientIds":"aud"},
             "Credentials":{"AccessKeyId":"STS.key{{{n}}}","AccessKeySecret":"secret-{{{n}}}","SecurityToken":"token-{{{n}}}","Expiration":"{{{expiration}}}"}}
            """;
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
    }
}

internal sealed class FixedTokenSource(string token) : IOidcTokenSource
{
    public int Calls;

    public string Name => "test";

    public ValueTask<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Calls);
        return ValueTask.FromResult(token);
    }
}
