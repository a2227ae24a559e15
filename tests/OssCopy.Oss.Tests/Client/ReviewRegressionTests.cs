using System.Net;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OssCopy.Oss.Models;
using OssCopy.Oss.Tests.Support;

namespace OssCopy.Oss.Tests.Client;

/// <summary>Transport behaviour checked over real sockets: redirects, stalls, header bytes.</summary>
public class ReviewRegressionTests
{
    private static OssClient RealClient(Uri endpoint, bool withToken = false, TimeSpan? attemptTimeout = null, int maxRetries = 3) =>
        OssClient.Create(
            new OssClientOptions
            {
                Region = "cn-hangzhou",
                Endpoint = endpoint.ToString(),
                MaxRetries = maxRetries,
                RetryBaseDelay = TimeSpan.Zero,
                AttemptTimeout = attemptTimeout ?? TimeSpan.FromMinutes(1),
            },
            TestClients.Credentials(withToken));

    [Fact]
    public async Task A_redirect_is_never_followed_so_the_token_never_reaches_another_host()
    {
        await using var elsewhere = new RawHttpServer((_, _) => Task.FromResult<byte[]?>(RawHttpServer.Answer("HTTP/1.1 200 OK\nContent-Length: 0")));
        await using var oss = new RawHttpServer((_, _) => Task.FromResult<byte[]?>(RawHttpServer.Answer(
            $"HTTP/1.1 302 Found\nLocation: {elsewhere.BaseAddress}stolen\nx-oss-request-id: R\nContent-Length: 0")));
        Assert.False(OssClient.CreatePrimaryHandler().AllowAutoRedirect);

        var error = await Assert.ThrowsAsync<OssException>(() =>
            RealClient(oss.BaseAddress, withToken: true).HeadObjectAsync(new HeadObjectRequest { Bucket = "bucket", Key = "k" }));

        Assert.Equal(302, error.StatusCode);
        Assert.Equal(0, elsewhere.Requests);
    }

    [Fact]
    public async Task A_body_that_stalls_after_the_headers_times_out_the_attempt_and_is_retried()
    {
        const string Xml = "<LocationConstraint>oss-cn-hangzhou</LocationConstraint>";
        await using var oss = new RawHttpServer((_, n) => Task.FromResult<byte[]?>(n == 1
            ? null
            : RawHttpServer.Answer($"HTTP/1.1 200 OK\nContent-Type: application/xml\nContent-Length: {Xml.Length}\nx-oss-request-id: R2", Xml)));
        // The first answer never comes at all; the second arrives whole.
        var location = await RealClient(oss.BaseAddress, attemptTimeout: TimeSpan.FromSeconds(1)).GetBucketLocationAsync("bucket");

        Assert.Equal("oss-cn-hangzhou", location.Location);
        Assert.Equal(2, oss.Requests);
    }

    [Fact]
    public async Task A_body_cut_short_is_retried_inside_the_attempt_not_reported_as_unreachable()
    {
        const string Xml = "<LocationConstraint>oss-cn-hangzhou</LocationConstraint>";
        await using var oss = new RawHttpServer((_, n) => Task.FromResult<byte[]?>(RawHttpServer.Answer(
            $"HTTP/1.1 200 OK\nContent-Type: application/xml\nContent-Length: {Xml.Length}\nx-oss-request-id: R{n}{(n == 1 ? "\nConnection: close" : string.Empty)}",
            n == 1 ? Xml[..10] : Xml)));

        var location = await RealClient(oss.BaseAddress).GetBucketLocationAsync("bucket");

        Assert.Equal("cn-hangzhou", location.Region);
        Assert.Equal(2, oss.Requests);
    }

    [Fact]
    public async Task A_server_that_never_answers_is_a_RequestTimeout_error_not_a_cancellation()
    {
        await using var oss = new RawHttpServer((_, _) => Task.FromResult<byte[]?>(null));

        var error = await Assert.ThrowsAsync<OssException>(() =>
            RealClient(oss.BaseAddress, attemptTimeout: TimeSpan.FromMilliseconds(300), maxRetries: 1).GetBucketLocationAsync("bucket"));

        Assert.Equal("RequestTimeout", error.ErrorCode);
        // The client's own count: under load the server may not have read the second request head before the timeout.
        Assert.Contains("after 2 attempt(s)", error.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Headers_are_read_as_sent_including_UTF8_metadata_and_every_value()
    {
        var head = "HTTP/1.1 200 OK\nContent-Type: text/plain;charset=UTF-8\nCache-Control: max-age=3600,public\n" +
                   "Content-Language: en-US\nContent-Language: fr\nx-oss-meta-name: é中\nContent-Length: 3\nx-oss-request-id: R";
        await using var oss = new RawHttpServer((_, _) => Task.FromResult<byte[]?>(Encoding.UTF8.GetBytes(head.Replace("\n", "\r\n", StringComparison.Ordinal) + "\r\n\r\n")));

        var properties = (await RealClient(oss.BaseAddress).HeadObjectAsync(new HeadObjectRequest { Bucket = "bucket", Key = "k" })).Properties;

        Assert.Equal("text/plain;charset=UTF-8", properties.ContentType);
        Assert.Equal("max-age=3600,public", properties.CacheControl);
        Assert.Equal("en-US,fr", properties.ContentLanguage);
        Assert.Equal("é中", properties.Metadata["name"]);
    }

    [Fact]
    public async Task UTF8_metadata_is_sent_as_UTF8_and_signed_as_such()
    {
        await using var oss = new RawHttpServer((_, _) => Task.FromResult<byte[]?>(RawHttpServer.Answer(
            "HTTP/1.1 200 OK\nContent-Length: 0\nETag: \"E\"\nx-oss-request-id: R")));

        await RealClient(oss.BaseAddress).PutObjectAsync(new PutObjectRequest
        {
            Bucket = "bucket", Key = "k", Body = new MemoryStream([1]), Metadata = new Dictionary<string, string> { ["city"] = "杭州" },
        });

        Assert.Contains("x-oss-meta-city: 杭州", oss.Heads.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_trace_logging_on_the_headers_on_the_wire_are_still_the_signed_ones()
    {
        var handler = new RecordingHandler().ThenRespond(HttpStatusCode.OK, "<CopyObjectResult><ETag>\"E\"</ETag></CopyObjectResult>");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Oss:Region"] = "cn-hangzhou",
            ["Oss:Endpoint"] = "http://127.0.0.1:9",
            ["OSS_ACCESS_KEY_ID"] = TestClients.AccessKeyId,
            ["OSS_ACCESS_KEY_SECRET"] = TestClients.AccessKeySecret,
        }).Build();
        var services = new ServiceCollection().AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new ListLoggerProvider()));
        services.AddOssClient(configuration).ConfigurePrimaryHttpMessageHandler(() => handler);
        await using var provider = services.BuildServiceProvider();

        await provider.GetRequiredService<IOssClient>().CopyObjectAsync(new CopyObjectRequest
        {
            Bucket = "bucket", Key = "k", SourceKey = "s", MetadataDirective = "Replace", ContentType = "text/plain;charset=UTF-8", CacheControl = "max-age=1,public",
        });

        var sent = handler.Requests.Single();
        Assert.Equal("text/plain;charset=UTF-8", sent.Header("Content-Type"));
        WireVerifier.AssertV4Signature(sent, pathStyle: true);
    }

    [Fact]
    public async Task A_persistent_clock_skew_answer_is_retried_once_with_the_real_clock()
    {
        var skew = "<Error><Code>RequestTimeTooSkewed</Code><Message>m</Message><RequestId>r</RequestId><EC>0002-00000504</EC></Error>";
        var handler = new RecordingHandler();
        for (var i = 0; i < 4; i++)
        {
            handler.Then(_ => RecordingHandler.Response(HttpStatusCode.Forbidden, skew,
                ("Date", DateTimeOffset.UtcNow.AddHours(1).ToString("r", System.Globalization.CultureInfo.InvariantCulture))));
        }

        var error = await Assert.ThrowsAsync<OssException>(() =>
            TestClients.Create(handler, time: TimeProvider.System).GetBucketLocationAsync("bucket"));

        Assert.Equal("RequestTimeTooSkewed", error.ErrorCode);
        Assert.Equal(2, handler.Requests.Count);
    }

    [Fact]
    public async Task The_hex_echo_of_the_string_to_sign_is_dropped_with_the_token_inside_it()
    {
        var hex = string.Join(' ', Encoding.UTF8.GetBytes("x-oss-security-token:" + TestClients.SecurityToken).Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
        var body = $"<Error><Code>SignatureDoesNotMatch</Code><Message>m</Message><RequestId>r</RequestId><StringToSignBytes>{hex}</StringToSignBytes><CanonicalRequestBytes>{hex}</CanonicalRequestBytes></Error>";
        var handler = new RecordingHandler().ThenRespond(HttpStatusCode.Forbidden, body);

        var error = await Assert.ThrowsAsync<OssException>(() => TestClients.Create(handler, withToken: true).GetBucketLocationAsync("bucket"));

        Assert.DoesNotContain(hex, error.RawBody, StringComparison.Ordinal);
        Assert.False(error.Details.ContainsKey("StringToSignBytes"));
        Assert.False(error.Details.ContainsKey("CanonicalRequestBytes"));
    }

    [Fact]
    public async Task A_conflicting_destination_older_than_our_first_attempt_is_not_taken_for_our_copy()
    {
        var handler = new RecordingHandler()
            .ThenThrow(new HttpRequestException("response lost"))
            .ThenRespond(HttpStatusCode.Conflict, "<Error><Code>FileAlreadyExists</Code><Message>exists</Message><RequestId>r2</RequestId></Error>")
            .ThenRespond(HttpStatusCode.OK, null, ("x-oss-hash-crc64ecma", "42"), ("Content-Length", "10"))
            .ThenRespond(HttpStatusCode.OK, null, ("x-oss-hash-crc64ecma", "42"), ("Content-Length", "10"), ("Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT"));

        var error = await Assert.ThrowsAsync<OssException>(() => TestClients.Create(handler).CopyObjectAsync(
            new CopyObjectRequest { Bucket = "dest", Key = "k", SourceKey = "s", ForbidOverwrite = true }));

        Assert.Equal(("FileAlreadyExists", "r2"), (error.ErrorCode, error.RequestId));
    }

    [Theory]
    [InlineData("my_key", "v")]
    [InlineData("my.key", "v")]
    [InlineData("ok", "line\r\nx-oss-injected: 1")]
    public async Task Metadata_names_and_values_follow_the_OSS_rules(string name, string value)
    {
        var handler = new RecordingHandler();
        var error = await Assert.ThrowsAsync<ArgumentException>(() => TestClients.Create(handler).PutObjectAsync(new PutObjectRequest
        {
            Bucket = "bucket", Key = "k", Body = new MemoryStream([1]), Metadata = new Dictionary<string, string> { [name] = value },
        }));

        Assert.Equal("Metadata", error.ParamName);
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task Metadata_over_8_KB_in_all_is_refused()
    {
        var metadata = Enumerable.Range(0, 9).ToDictionary(i => $"m{i}", _ => new string('v', 1000));
        var error = await Assert.ThrowsAsync<ArgumentException>(() => TestClients.Create(new RecordingHandler()).PutObjectAsync(
            new PutObjectRequest { Bucket = "bucket", Key = "k", Body = new MemoryStream([1]), Metadata = metadata }));
        Assert.Equal("Metadata", error.ParamName);
    }

    [Theory]
    [InlineData("a=%ZZ")]
    [InlineData("a=100%")]
    public void Malformed_percent_encoding_in_tagging_is_refused(string tagging) =>
        Assert.Equal("Tagging", Assert.Throws<ArgumentException>(() => OssTagging.Parse(tagging, "Tagging")).ParamName);

    private sealed class ListLoggerProvider : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new ListLogger();

        public void Dispose()
        {
        }

        private sealed class ListLogger : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                _ = formatter(state, exception);
        }
    }
}
