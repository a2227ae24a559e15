using System.Net;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using OssCopy.Oss.Hashing;
using OssCopy.Oss.Http;
using OssCopy.Oss.Models;
using OssCopy.Oss.Signing;
using OssCopy.Oss.Tests.Support;

namespace OssCopy.Oss.Tests.Client;

public class ErrorAndRetryTests
{
    private const string NoSuchKeyXml = """
        <?xml version="1.0" encoding="UTF-8"?>
        <Error>
          <Code>NoSuchKey</Code>
          <Message>The specified key does not exist.</Message>
          <RequestId>65699DB6E6F906F45A83****</RequestId>
          <HostId>bucket.oss-cn-hangzhou.aliyuncs.com</HostId>
          <Key>object</Key>
          <EC>0026-00000001</EC>
          <RecommendDoc>https://api.aliyun.com/troubleshoot?q=0026-00000001</RecommendDoc>
        </Error>
        """;

    private static CopyObjectRequest Copy(bool? forbidOverwrite = null) =>
        new() { Bucket = "dest-bucket", Key = "k", SourceBucket = "src-bucket", SourceKey = "s", ForbidOverwrite = forbidOverwrite };

    private static string CopyOk => "<CopyObjectResult><ETag>\"AB\"</ETag><LastModified>2026-11-25T08:00:00.000Z</LastModified></CopyObjectResult>";

    [Fact]
    public async Task An_error_answer_keeps_status_code_message_request_id_host_id_ec_and_body()
    {
        var handler = new RecordingHandler().ThenRespond(HttpStatusCode.NotFound, NoSuchKeyXml, ("x-oss-ec", "0026-00000001"));
        var client = TestClients.Create(handler);

        var error = await Assert.ThrowsAsync<OssException>(() => client.CopyObjectAsync(Copy()));

        Assert.Equal(404, error.StatusCode);
        Assert.Equal("NoSuchKey", error.ErrorCode);
        Assert.Equal("The specified key does not exist.", error.ErrorMessage);
        Assert.Equal("65699DB6E6F906F45A83****", error.RequestId);
        Assert.Equal("bucket.oss-cn-hangzhou.aliyuncs.com", error.HostId);
        Assert.Equal("0026-00000001", error.Ec);
        Assert.Equal("object", error.Details["Key"]);
        Assert.Contains("<Code>NoSuchKey</Code>", error.RawBody, StringComparison.Ordinal);
        Assert.Contains("RequestId: 65699DB6E6F906F45A83****", error.Message, StringComparison.Ordinal);
        Assert.Single(handler.Requests);
    }

    [Fact]
    public async Task A_HEAD_error_is_read_from_x_oss_err_when_there_is_no_body()
    {
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(NoSuchKeyXml));
        var handler = new RecordingHandler().ThenRespond(HttpStatusCode.NotFound, null, ("x-oss-ec", "0026-00000001"), ("x-oss-err", encoded));
        var client = TestClients.Create(handler);

        var error = await Assert.ThrowsAsync<OssException>(() => client.HeadObjectAsync(new HeadObjectRequest { Bucket = "bucket", Key = "object" }));

        Assert.Equal(("NoSuchKey", "The specified key does not exist.", "0026-00000001"), (error.ErrorCode, error.ErrorMessage, error.Ec));
        Assert.Equal("65699DB6E6F906F45A83****", error.RequestId);
    }

    [Theory]
    [InlineData("0015-00000101", 404, "NoSuchBucket")]
    [InlineData("0026-00000001", 404, "NoSuchKey")]
    [InlineData(null, 404, "NotFound")]
    [InlineData(null, 304, "NotModified")]
    [InlineData(null, 412, "PreconditionFailed")]
    public async Task A_bodiless_HEAD_error_is_named_from_x_oss_ec_and_status(string? ec, int status, string code)
    {
        var headers = ec is null ? Array.Empty<(string, string)>() : [("x-oss-ec", ec)];
        var handler = new RecordingHandler().ThenRespond((HttpStatusCode)status, null, headers);
        var client = TestClients.Create(handler);

        var error = await Assert.ThrowsAsync<OssException>(() => client.HeadObjectAsync(new HeadObjectRequest { Bucket = "bucket", Key = "object" }));

        Assert.Equal((status, code, ec), (error.StatusCode, error.ErrorCode, error.Ec));
        Assert.Equal("5C3D9175B6FC201293AD4890", error.RequestId);
    }

    [Fact]
    public async Task Secrets_echoed_by_SignatureDoesNotMatch_are_scrubbed_from_the_exception()
    {
        var body = $"""
            <Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided. Check your key and signing method.</Message>
            <RequestId>1</RequestId><HostId>h</HostId><OSSAccessKeyId>{TestClients.AccessKeyId}</OSSAccessKeyId><SignatureProvided>x</SignatureProvided>
            <StringToSign>PUT&#10;&#10;&#10;x-oss-security-token:{TestClients.SecurityToken}&#10;{TestClients.AccessKeySecret}</StringToSign><EC>0002-00000040</EC></Error>
            """;
        var handler = new RecordingHandler().ThenRespond(HttpStatusCode.Forbidden, body);
        var client = TestClients.Create(handler, withToken: true);

        var error = await Assert.ThrowsAsync<OssException>(() => client.CopyObjectAsync(Copy()));

        Assert.Equal("SignatureDoesNotMatch", error.ErrorCode);
        var everything = error.ToString() + error.RawBody + string.Join(";", error.Details.Values);
        Assert.DoesNotContain(TestClients.SecurityToken, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(TestClients.AccessKeySecret, everything, StringComparison.Ordinal);
        Assert.Contains("x-oss-security-token:***", error.Details["StringToSign"], StringComparison.Ordinal);
        Assert.Equal(TestClients.SecurityToken, handler.Requests[0].Header("x-oss-security-token"));
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable, "SlowDown")]
    [InlineData(HttpStatusCode.InternalServerError, "InternalError")]
    [InlineData(HttpStatusCode.TooManyRequests, "TooManyRequests")]
    [InlineData(HttpStatusCode.RequestTimeout, "RequestTimeout")]
    public async Task Throttling_and_server_errors_are_retried_and_each_attempt_is_signed_afresh(HttpStatusCode status, string code)
    {
        var time = new FakeTimeProvider(TestClients.Now);
        var handler = new RecordingHandler()
            .Then(_ => { time.Advance(TimeSpan.FromSeconds(7)); return RecordingHandler.Response(status, $"<Error><Code>{code}</Code><Message>m</Message><RequestId>r1</RequestId></Error>"); })
            .ThenRespond(HttpStatusCode.OK, CopyOk);
        var client = TestClients.Create(handler, time: time);

        var result = await client.CopyObjectAsync(Copy());

        Assert.Equal(200, result.StatusCode);
        Assert.Equal(2, handler.Requests.Count);
        Assert.Equal("20261125T080000Z", handler.Requests[0].Header("x-oss-date"));
        Assert.Equal("20261125T080007Z", handler.Requests[1].Header("x-oss-date"));
        Assert.NotEqual(handler.Requests[0].Header("Authorization"), handler.Requests[1].Header("Authorization"));
        WireVerifier.AssertV4Signature(handler.Requests[1], pathStyle: false);
    }

    [Fact]
    public async Task Retries_stop_after_the_configured_count_and_the_last_error_is_kept()
    {
        var handler = new RecordingHandler();
        for (var i = 0; i < 3; i++)
        {
            handler.ThenRespond(HttpStatusCode.ServiceUnavailable, $"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>r{i}</RequestId><EC>0007-00000101</EC></Error>");
        }

        var client = TestClients.Create(handler, maxRetries: 2);

        var error = await Assert.ThrowsAsync<OssException>(() => client.CopyObjectAsync(Copy()));

        Assert.Equal(3, handler.Requests.Count);
        Assert.Equal(("SlowDown", 503, "r2"), (error.ErrorCode, error.StatusCode, error.RequestId));
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest)]
    [InlineData(HttpStatusCode.Forbidden)]
    [InlineData(HttpStatusCode.NotFound)]
    [InlineData(HttpStatusCode.Conflict)]
    [InlineData(HttpStatusCode.PreconditionFailed)]
    public async Task Other_client_errors_are_never_retried(HttpStatusCode status)
    {
        var handler = new RecordingHandler().ThenRespond(status, "<Error><Code>X</Code><Message>m</Message><RequestId>r</RequestId></Error>");
        var client = TestClients.Create(handler);

        await Assert.ThrowsAsync<OssException>(() => client.CopyObjectAsync(Copy()));

        Assert.Single(handler.Requests);
    }

    [Fact]
    public async Task A_network_error_is_retried_then_reported_as_an_OssException_with_the_cause()
    {
        var handler = new RecordingHandler()
            .ThenThrow(new HttpRequestException("connection reset"))
            .ThenThrow(new HttpRequestException("connection reset"));
        var client = TestClients.Create(handler, maxRetries: 1);

        var error = await Assert.ThrowsAsync<OssException>(() => client.CopyObjectAsync(Copy()));

        Assert.Equal(2, handler.Requests.Count);
        Assert.Equal("RequestFailed", error.ErrorCode);
        Assert.IsType<HttpRequestException>(error.InnerException);
    }

    [Fact]
    public async Task A_seekable_body_is_resent_whole_but_a_forward_only_body_is_never_retried()
    {
        var payload = Encoding.UTF8.GetBytes("hello oss");
        var seekable = new RecordingHandler()
            .ThenRespond(HttpStatusCode.ServiceUnavailable, "<Error><Code>SlowDown</Code><Message>m</Message><RequestId>r</RequestId></Error>")
            .ThenRespond(HttpStatusCode.OK, null, ("x-oss-hash-crc64ecma", Crc64.Format(Crc64.Compute(payload))), ("ETag", "\"E\""));
        await TestClients.Create(seekable).PutObjectAsync(new PutObjectRequest { Bucket = "b-1", Key = "k", Body = new MemoryStream(payload) });
        Assert.Equal(2, seekable.Requests.Count);
        Assert.All(seekable.Requests, r => Assert.Equal(payload, r.Body));

        var forwardOnly = new RecordingHandler()
            .ThenRespond(HttpStatusCode.ServiceUnavailable, "<Error><Code>SlowDown</Code><Message>m</Message><RequestId>r</RequestId></Error>");
        var error = await Assert.ThrowsAsync<OssException>(() =>
            TestClients.Create(forwardOnly).PutObjectAsync(new PutObjectRequest { Bucket = "b-1", Key = "k", Body = new ForwardOnlyStream(payload) }));
        Assert.Equal("SlowDown", error.ErrorCode);
        Assert.Single(forwardOnly.Requests);
    }

    [Theory]
    [InlineData(OssSignatureVersion.V4)]
    [InlineData(OssSignatureVersion.V1)]
    public async Task RequestTimeTooSkewed_corrects_the_clock_from_the_Date_header_and_retries_once(OssSignatureVersion version)
    {
        var serverTime = TestClients.Now.AddHours(2);
        var handler = new RecordingHandler()
            .ThenRespond(
                HttpStatusCode.Forbidden,
                "<Error><Code>RequestTimeTooSkewed</Code><Message>The difference between the request time and the current time is too large.</Message><RequestId>r</RequestId><MaxAllowedSkewMilliseconds>900000</MaxAllowedSkewMilliseconds><EC>0002-00000504</EC></Error>",
                ("Date", serverTime.ToString("r", System.Globalization.CultureInfo.InvariantCulture)))
            .ThenRespond(HttpStatusCode.OK, CopyOk);
        var client = TestClients.Create(handler, version);

        await client.CopyObjectAsync(Copy());

        Assert.Equal(2, handler.Requests.Count);
        var date = version == OssSignatureVersion.V4 ? handler.Requests[1].Header("x-oss-date") : handler.Requests[1].Header("Date");
        Assert.Equal(version == OssSignatureVersion.V4 ? "20261125T100000Z" : "Wed, 25 Nov 2026 10:00:00 GMT", date);
    }

    [Fact]
    public async Task A_second_skew_answer_with_the_same_server_time_is_not_retried_again()
    {
        var skew = "<Error><Code>RequestTimeTooSkewed</Code><Message>m</Message><RequestId>r</RequestId><EC>0002-00000504</EC></Error>";
        var date = ("Date", TestClients.Now.AddHours(2).ToString("r", System.Globalization.CultureInfo.InvariantCulture));
        var handler = new RecordingHandler()
            .ThenRespond(HttpStatusCode.Forbidden, skew, date)
            .ThenRespond(HttpStatusCode.Forbidden, skew, date);
        var client = TestClients.Create(handler);

        var error = await Assert.ThrowsAsync<OssException>(() => client.CopyObjectAsync(Copy()));

        Assert.Equal("RequestTimeTooSkewed", error.ErrorCode);
        Assert.Equal(2, handler.Requests.Count);
    }

    [Fact]
    public async Task A_forbid_overwrite_copy_whose_first_answer_was_lost_is_confirmed_by_comparing_CRC64()
    {
        var handler = new RecordingHandler()
            .ThenThrow(new HttpRequestException("response lost"))
            .ThenRespond(HttpStatusCode.Conflict, "<Error><Code>FileAlreadyExists</Code><Message>The object you specified already exists and can not be overwritten.</Message><RequestId>r2</RequestId><EC>0026-00000002</EC></Error>")
            .ThenRespond(HttpStatusCode.OK, null, ("x-oss-hash-crc64ecma", "42"), ("Content-Length", "10"), ("ETag", "\"A\""), ("x-oss-version-id", "src-v"))
            .ThenRespond(HttpStatusCode.OK, null, ("x-oss-hash-crc64ecma", "42"), ("Content-Length", "10"), ("ETag", "\"A\""), ("x-oss-version-id", "dst-v"));
        var client = TestClients.Create(handler);

        var result = await client.CopyObjectAsync(Copy(forbidOverwrite: true));

        Assert.True(result.ConfirmedAfterRetry);
        Assert.Equal((42UL, "\"A\"", "dst-v", "src-v"), (result.HashCrc64!.Value, result.ETag, result.VersionId, result.SourceVersionId));
        Assert.Equal(["PUT", "PUT", "HEAD", "HEAD"], handler.Requests.Select(r => r.Method));
        Assert.Contains("src-bucket", handler.Requests[2].Uri.Host, StringComparison.Ordinal);
        Assert.Contains("dest-bucket", handler.Requests[3].Uri.Host, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_forbid_overwrite_conflict_with_a_different_destination_is_reported_not_guessed()
    {
        var handler = new RecordingHandler()
            .ThenThrow(new HttpRequestException("response lost"))
            .ThenRespond(HttpStatusCode.Conflict, "<Error><Code>FileAlreadyExists</Code><Message>exists</Message><RequestId>r2</RequestId><EC>0026-00000002</EC></Error>")
            .ThenRespond(HttpStatusCode.OK, null, ("x-oss-hash-crc64ecma", "42"), ("Content-Length", "10"))
            .ThenRespond(HttpStatusCode.OK, null, ("x-oss-hash-crc64ecma", "43"), ("Content-Length", "10"));
        var client = TestClients.Create(handler);

        var error = await Assert.ThrowsAsync<OssException>(() => client.CopyObjectAsync(Copy(forbidOverwrite: true)));

        Assert.Equal(("FileAlreadyExists", "r2"), (error.ErrorCode, error.RequestId));
    }

    [Fact]
    public async Task A_first_attempt_conflict_is_reported_without_any_HEAD()
    {
        var handler = new RecordingHandler()
            .ThenRespond(HttpStatusCode.Conflict, "<Error><Code>FileAlreadyExists</Code><Message>exists</Message><RequestId>r1</RequestId><EC>0026-00000002</EC></Error>");
        var client = TestClients.Create(handler);

        var error = await Assert.ThrowsAsync<OssException>(() => client.CopyObjectAsync(Copy(forbidOverwrite: true)));

        Assert.Equal("FileAlreadyExists", error.ErrorCode);
        Assert.Single(handler.Requests);
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable, "SlowDown")]
    [InlineData(HttpStatusCode.TooManyRequests, "TooManyRequests")]
    public async Task In_a_ReturnThrottledCopyObject_scope_a_throttled_CopyObject_comes_back_at_once_with_its_request_id(HttpStatusCode status, string code)
    {
        var handler = new RecordingHandler()
            .ThenRespond(status, $"<Error><Code>{code}</Code><Message>Please reduce your request rate.</Message><RequestId>r-throttled</RequestId><EC>0007-00000101</EC></Error>")
            .ThenRespond(HttpStatusCode.OK, CopyOk);
        var client = TestClients.Create(handler);

        OssException error;
        using (OssRetryScope.ReturnThrottledCopyObject())
        {
            error = await Assert.ThrowsAsync<OssException>(() => client.CopyObjectAsync(Copy()));
        }

        Assert.Single(handler.Requests);
        Assert.Equal(((int)status, code, "r-throttled", "0007-00000101"), (error.StatusCode, error.ErrorCode, error.RequestId, error.Ec));

        // Out of the scope the client retries again.
        var result = await client.CopyObjectAsync(Copy());
        Assert.Equal(200, result.StatusCode);
    }

    [Fact]
    public async Task A_ReturnThrottledCopyObject_scope_leaves_other_requests_and_other_errors_of_a_copy_to_the_client_retries()
    {
        const string SlowDown = "<Error><Code>SlowDown</Code><Message>m</Message><RequestId>r</RequestId></Error>";
        var handler = new RecordingHandler()
            .ThenRespond(HttpStatusCode.ServiceUnavailable, SlowDown)
            .ThenRespond(HttpStatusCode.OK, null, ("ETag", "\"E\""))
            .ThenRespond(HttpStatusCode.InternalServerError, "<Error><Code>InternalError</Code><Message>m</Message><RequestId>r</RequestId></Error>")
            .ThenThrow(new HttpRequestException("connection reset"))
            .ThenRespond(HttpStatusCode.OK, CopyOk);
        var client = TestClients.Create(handler);

        using (OssRetryScope.ReturnThrottledCopyObject())
        {
            await client.HeadObjectAsync(new HeadObjectRequest { Bucket = "src-bucket", Key = "s" });
            var result = await client.CopyObjectAsync(Copy());
            Assert.Equal(200, result.StatusCode);
        }

        Assert.Equal(["HEAD", "HEAD", "PUT", "PUT", "PUT"], handler.Requests.Select(r => r.Method));
    }

    [Fact]
    public async Task Cancellation_is_honoured_and_not_retried()
    {
        using var cts = new CancellationTokenSource();
        var handler = new RecordingHandler().Then(_ =>
        {
            cts.Cancel();
            throw new OperationCanceledException(cts.Token);
        });
        var client = TestClients.Create(handler);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.CopyObjectAsync(Copy(), cts.Token));

        Assert.Single(handler.Requests);
    }

    private sealed class ForwardOnlyStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
