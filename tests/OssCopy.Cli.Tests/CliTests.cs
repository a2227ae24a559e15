using System.Text.Json;
using Moq;
using OssCopy.Oss;
using OssCopy.Oss.Models;

namespace OssCopy.Cli.Tests;

public class CliTests
{
    private const string ETag = "\"5B3C1A2E053D763E1B002CC607C5A0FE\"";

    private sealed class Harness
    {
        public StringWriter Out { get; } = new();

        public StringWriter Error { get; } = new();

        public Mock<IOssClient> Oss { get; } = new(MockBehavior.Strict);

        public List<OssClientOptions> Connections { get; } = [];

        public Dictionary<string, string?> Variables { get; } = new()
        {
            ["OSS_ACCESS_KEY_ID"] = "LTAI5tTestKey", ["OSS_ACCESS_KEY_SECRET"] = "secret-that-must-not-print",
        };

        public async Task<int> RunAsync(params string[] args)
        {
            var env = CliEnvironment.ForWriters(Out, Error);
            env = new CliEnvironment
            {
                Out = env.Out, Error = env.Error, Console = env.Console, Interactive = false, GetVariable = name => Variables.GetValueOrDefault(name),
                CreateClient = (options, _, _) =>
                {
                    Connections.Add(options);
                    return Oss.Object;
                },
                ProgressInterval = TimeSpan.FromMilliseconds(50),
            };
            return await new CliApp(env).RunAsync(args, CancellationToken.None);
        }

        public void SetupSuccessfulCopy()
        {
            var props = new OssObjectProperties { ContentLength = 42, ETag = ETag, HashCrc64 = 123, VersionId = "sv-1" };
            Oss.Setup(c => c.GetBucketLocationAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
                .ReturnsAsync(new GetBucketLocationResult { Location = "oss-cn-hangzhou" });
            Oss.Setup(c => c.HeadObjectAsync(It.IsAny<HeadObjectRequest>(), It.IsAny<CancellationToken>()))
                .ReturnsAsync(new HeadObjectResult { StatusCode = 200, Properties = props });
            Oss.Setup(c => c.CopyObjectAsync(It.IsAny<CopyObjectRequest>(), It.IsAny<CancellationToken>()))
                .ReturnsAsync(new CopyObjectResult
                {
                    StatusCode = 200, RequestId = "6551DBCF4311A7303980****", ETag = ETag, HashCrc64 = 123, VersionId = "dv-1", SourceVersionId = "sv-1",
                    LastModified = new DateTimeOffset(2023, 2, 24, 9, 41, 56, TimeSpan.Zero), Encryption = new OssEncryption("KMS", "SM4", "key-9"),
                });
        }
    }

    private static readonly string[] CopyArgs =
        ["copy", "--region", "cn-hangzhou", "--bucket", "dst-bucket", "--key", "k.txt", "--source-bucket", "src-bucket", "--source-key", "s.txt"];

    [Fact]
    public async Task Copy_prints_the_official_samples_fields()
    {
        var h = new Harness();
        h.SetupSuccessfulCopy();

        var code = await h.RunAsync(CopyArgs);

        Assert.Equal(0, code);
        var lines = h.Out.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            "status code: 200, request id: 6551DBCF4311A7303980****, version id: dv-1, hash crc64: 123, source version id: sv-1, " +
            "server side encryption: KMS, server side data encryption: SM4, server side encryption key id: key-9, last modified: 2023-02-24 09:41:56+00:00, " +
            $"etag: {ETag},",
            lines[0].TrimEnd('\r'));
        Assert.StartsWith("copied oss://src-bucket/s.txt -> oss://dst-bucket/k.txt: single CopyObject, 42 bytes, verified", lines[1], StringComparison.Ordinal);
        Assert.Equal(("cn-hangzhou", null), (h.Connections.Single().Region, h.Connections.Single().Endpoint));
    }

    [Fact]
    public async Task The_python_samples_underscore_spellings_are_accepted()
    {
        var h = new Harness();
        h.SetupSuccessfulCopy();

        var code = await h.RunAsync("copy", "--region", "cn-hangzhou", "--bucket", "dst-bucket", "--key", "k.txt", "--source_bucket", "src-bucket",
            "--source_key", "s.txt", "--endpoint", "http://127.0.0.1:9000", "--path-style");

        Assert.Equal(0, code);
        h.Oss.Verify(c => c.CopyObjectAsync(It.Is<CopyObjectRequest>(r => r.SourceBucket == "src-bucket" && r.SourceKey == "s.txt"), It.IsAny<CancellationToken>()));
        Assert.Equal(("http://127.0.0.1:9000", true), (h.Connections.Single().Endpoint, h.Connections.Single().UsePathStyle));
    }

    [Fact]
    public async Task Every_copy_flag_reaches_the_request()
    {
        var h = new Harness();
        h.SetupSuccessfulCopy();
        h.Oss.Setup(c => c.HeadObjectAsync(It.Is<HeadObjectRequest>(r => r.Bucket == "dst-bucket"), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new HeadObjectResult
            {
                Properties = new OssObjectProperties
                {
                    ContentLength = 42, HashCrc64 = 123, ContentType = "text/csv", StorageClass = "IA", TaggingCount = 1,
                    Metadata = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["owner"] = "bob" }, Encryption = new OssEncryption("KMS", "SM4", "key-9"),
                },
            });
        h.Oss.Setup(c => c.GetObjectTaggingAsync(It.IsAny<GetObjectTaggingRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new GetObjectTaggingResult { Tags = OssTagging.Parse("A=1") });

        var code = await h.RunAsync([.. CopyArgs, "--forbid-overwrite", "--tagging", "A=1", "--tagging-directive", "Replace", "--version-id", "sv-1",
            "--metadata-directive", "REPLACE", "--metadata", "owner=bob", "--content-type", "text/csv", "--storage-class", "IA", "--acl", "private",
            "--sse", "KMS", "--sse-key-id", "key-9", "--sse-data-encryption", "SM4", "--signature-version", "v1"]);

        Assert.Equal(0, code);
        h.Oss.Verify(c => c.CopyObjectAsync(It.Is<CopyObjectRequest>(r =>
            r.ForbidOverwrite == true && r.Tagging == "A=1" && r.TaggingDirective == "Replace" && r.SourceVersionId == "sv-1" && r.MetadataDirective == "Replace"
            && r.Metadata!["owner"] == "bob" && r.ContentType == "text/csv" && r.StorageClass == "IA" && r.ObjectAcl == "private"
            && r.ServerSideEncryption == "KMS" && r.ServerSideEncryptionKeyId == "key-9" && r.ServerSideDataEncryption == "SM4"
            && r.CopySourceIfMatch == ETag), It.IsAny<CancellationToken>()));
        Assert.Equal(OssCopy.Oss.Signing.OssSignatureVersion.V1, h.Connections.Single().SignatureVersion);
    }

    [Fact]
    public async Task Json_output_carries_every_outcome_field()
    {
        var h = new Harness();
        h.SetupSuccessfulCopy();

        Assert.Equal(0, await h.RunAsync([.. CopyArgs, "--json"]));

        using var json = JsonDocument.Parse(h.Out.ToString());
        var o = json.RootElement;
        Assert.Equal(("Copied", "SingleCopy", true, 200, "6551DBCF4311A7303980****", "dv-1", "sv-1", 123UL, ETag, "KMS", "SM4", "key-9"),
            (o.GetProperty("status").GetString(), o.GetProperty("strategy").GetString(), o.GetProperty("verified").GetBoolean(), o.GetProperty("statusCode").GetInt32(),
                o.GetProperty("requestId").GetString(), o.GetProperty("versionId").GetString(), o.GetProperty("sourceVersionId").GetString(),
                o.GetProperty("hashCrc64").GetUInt64(), o.GetProperty("eTag").GetString(), o.GetProperty("serverSideEncryption").GetString(),
                o.GetProperty("serverSideDataEncryption").GetString(), o.GetProperty("serverSideEncryptionKeyId").GetString()));
        Assert.Equal(new DateTimeOffset(2023, 2, 24, 9, 41, 56, TimeSpan.Zero), o.GetProperty("lastModified").GetDateTimeOffset());
    }

    [Theory]
    [InlineData("copy --region cn-hangzhou")]
    [InlineData("copy --region cn-hangzhou --bucket dst-bucket --key k --source-bucket src-bucket --source-key s --nope")]
    [InlineData("frobnicate")]
    [InlineData("")]
    [InlineData("backup")]
    [InlineData("backup --plan p.json --parallel many")]
    [InlineData("backup --plan p.json --parallel 0")]
    [InlineData("backup --plan p.json --verify sometimes")]
    [InlineData("backup --plan p.json --verify 0")]
    public async Task Bad_usage_exits_2_without_any_OSS_call(string commandLine)
    {
        var h = new Harness();

        Assert.Equal(2, await h.RunAsync(commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries)));

        Assert.NotEmpty(h.Error.ToString());
        Assert.Empty(h.Connections);
        h.Oss.VerifyNoOtherCalls();
    }

    [Theory]
    [InlineData("--bucket", "Bad_Bucket", "--bucket:")]
    [InlineData("--storage-class", "Gold", "--storage-class:")]
    [InlineData("--tagging-directive", "Keep", "--tagging-directive:")]
    [InlineData("--tagging", "a=1", "--tagging:")]
    [InlineData("--sse-key-id", "k", "--sse-key-id:")]
    [InlineData("--region", "Not A Region!", "--region:")]
    [InlineData("--endpoint", "ftp://x", "--endpoint:")]
    [InlineData("--metadata", "novalue", "--metadata:")]
    [InlineData("--verify", "sometimes", "--verify:")]
    [InlineData("--verify", "1", "--verify:")]
    [InlineData("--signature-version", "4", "--signature-version:")]
    public async Task Bad_input_exits_2_naming_the_flag_before_any_OSS_call(string flag, string value, string expected)
    {
        var h = new Harness();
        var args = CopyArgs.ToList();
        var at = args.IndexOf(flag);
        if (at >= 0)
        {
            args[at + 1] = value;
        }
        else
        {
            args.AddRange([flag, value]);
        }

        Assert.Equal(2, await h.RunAsync([.. args]));

        Assert.Contains(expected, h.Error.ToString(), StringComparison.Ordinal);
        h.Oss.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Missing_credentials_exit_2_naming_the_variables_and_never_print_secrets()
    {
        var h = new Harness();
        h.Variables.Remove("OSS_ACCESS_KEY_ID");

        Assert.Equal(2, await h.RunAsync(CopyArgs));

        Assert.Contains("OSS_ACCESS_KEY_ID", h.Error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("secret-that-must-not-print", h.Error.ToString() + h.Out.ToString(), StringComparison.Ordinal);
        Assert.Empty(h.Connections);
    }

    [Fact]
    public async Task A_failed_copy_exits_1_with_the_OSS_code_and_request_id()
    {
        var h = new Harness();
        h.SetupSuccessfulCopy();
        h.Oss.Setup(c => c.CopyObjectAsync(It.IsAny<CopyObjectRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new OssException(409, "FileAlreadyExists", "The object already exists.", "req-409", ec: "0026-00000002"));

        Assert.Equal(1, await h.RunAsync([.. CopyArgs, "--forbid-overwrite"]));

        Assert.Contains("FileAlreadyExists (HTTP 409): The object already exists. RequestId: req-409 EC: 0026-00000002", h.Error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("copy --help")]
    [InlineData("backup --help")]
    [InlineData("backup -h")]
    public async Task Help_is_everywhere_and_exits_0(string commandLine)
    {
        var h = new Harness();

        Assert.Equal(0, await h.RunAsync(commandLine.Split(' ')));

        Assert.Contains("Usage:", h.Out.ToString(), StringComparison.Ordinal);
        Assert.Empty(h.Connections);
    }

    [Fact]
    public async Task Copy_help_lists_the_sample_aliases()
    {
        var h = new Harness();

        await h.RunAsync("copy", "--help");

        Assert.Contains("--source-bucket, --source_bucket", h.Out.ToString(), StringComparison.Ordinal);
        Assert.Contains("--source-key, --source_key", h.Out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_plan_exits_2_naming_the_field_before_any_OSS_call()
    {
        var h = new Harness();
        var plan = Path.Combine(Path.GetTempPath(), $"plan-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(plan, """{"name":"p","source":{"bucket":"src-bucket"},"destination":{"bucket":"dst-bucket"},"options":{"storageClass":"Gold"}}""");

        Assert.Equal(2, await h.RunAsync("backup", "--plan", plan, "--region", "cn-hangzhou"));
        Assert.Contains("options.storageClass", h.Error.ToString(), StringComparison.Ordinal);
        Assert.Equal(2, await h.RunAsync("backup", "--plan", plan + ".missing"));
        Assert.Empty(h.Connections);
    }

    [Fact]
    public async Task Backup_prints_plain_progress_and_a_summary_and_exits_0_when_all_is_done()
    {
        var h = new Harness();
        var dir = Path.Combine(Path.GetTempPath(), $"osscopy-cli-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        var plan = Path.Combine(dir, "plan.json");
        await File.WriteAllTextAsync(plan, """
            {"name":"nightly","source":{"bucket":"src-bucket","prefix":"a/"},"destination":{"bucket":"dst-bucket","prefix":"b/"},
             "oss":{"region":"cn-hangzhou","endpoint":"http://127.0.0.1:9"}}
            """);
        h.Oss.Setup(c => c.ListObjectsV2Async(It.Is<ListObjectsV2Request>(r => r.Bucket == "src-bucket"), It.IsAny<CancellationToken>()))
            .Returns(async () =>
            {
                await Task.Delay(150);
                return new ListObjectsV2Result { Contents = [new OssObjectSummary("a/x.txt", 5, ETag, null, null, null)] };
            });
        h.Oss.Setup(c => c.ListObjectsV2Async(It.Is<ListObjectsV2Request>(r => r.Bucket == "dst-bucket"), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new ListObjectsV2Result { Contents = [new OssObjectSummary("b/x.txt", 5, ETag, null, null, null)] });
        var report = Path.Combine(dir, "report.json");

        var code = await h.RunAsync("backup", "--plan", plan, "--report", report, "--state-dir", Path.Combine(dir, "state"));

        Assert.Equal(0, code);
        var output = h.Out.ToString();
        Assert.Contains("] listed", output, StringComparison.Ordinal);
        Assert.Contains("unchanged", output, StringComparison.Ordinal);
        Assert.Contains("report: " + report, output, StringComparison.Ordinal);
        Assert.Equal("http://127.0.0.1:9", h.Connections.Single().Endpoint);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(report));
        Assert.Equal(1, json.RootElement.GetProperty("totals").GetProperty("unchanged").GetInt32());
    }

    [Fact]
    public async Task A_report_that_cannot_be_written_is_an_error_message_and_exit_1_not_a_crash()
    {
        var h = new Harness();
        var dir = Path.Combine(Path.GetTempPath(), $"osscopy-cli-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        var plan = Path.Combine(dir, "plan.json");
        await File.WriteAllTextAsync(plan, """{"name":"p","source":{"bucket":"src-bucket"},"destination":{"bucket":"dst-bucket"},"oss":{"region":"cn-hangzhou"}}""");
        var blocker = Path.Combine(dir, "not-a-folder");
        await File.WriteAllTextAsync(blocker, "x");

        var code = await h.RunAsync("backup", "--plan", plan, "--report", Path.Combine(blocker, "report.json"), "--state-dir", Path.Combine(dir, "state"));

        Assert.Equal(1, code);
        Assert.StartsWith("osscopy: ", h.Error.ToString(), StringComparison.Ordinal);
        h.Oss.VerifyNoOtherCalls();
    }
}
