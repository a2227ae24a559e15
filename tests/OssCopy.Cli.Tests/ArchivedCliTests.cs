using Moq;
using OssCopy.Oss;
using OssCopy.Oss.Models;

namespace OssCopy.Cli.Tests;

/// <summary><c>--archived</c>, <c>--restore-days</c> and <c>--restore-tier</c> on <c>osscopy copy</c>, over the client seam.</summary>
public sealed class ArchivedCliTests : IDisposable
{
    private static readonly string[] CopyArgs =
        ["copy", "--region", "cn-hangzhou", "--bucket", "dst-bucket", "--key", "k.txt", "--source-bucket", "src-bucket", "--source-key", "s.txt"];

    private readonly StringWriter _out = new();
    private readonly StringWriter _error = new();
    private readonly Mock<IOssClient> _oss = new(MockBehavior.Strict);

    public void Dispose()
    {
        _out.Dispose();
        _error.Dispose();
    }

    private Task<int> RunAsync(params string[] args)
    {
        var env = CliEnvironment.ForWriters(_out, _error);
        return new CliApp(new CliEnvironment
        {
            Out = env.Out, Error = env.Error, Console = env.Console,
            GetVariable = name => name switch { "OSS_ACCESS_KEY_ID" => "LTAI5tTestKey", "OSS_ACCESS_KEY_SECRET" => "secret-that-must-not-print", _ => null },
            CreateClient = (_, _, _) => _oss.Object,
        }).RunAsync(args, CancellationToken.None);
    }

    private void FrozenSource()
    {
        _oss.Setup(c => c.GetBucketLocationAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new GetBucketLocationResult { Location = "oss-cn-hangzhou" });
        _oss.Setup(c => c.HeadObjectAsync(It.IsAny<HeadObjectRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new HeadObjectResult { StatusCode = 200, Properties = new OssObjectProperties { ContentLength = 42, ETag = "\"E\"", StorageClass = "DeepColdArchive" } });
    }

    [Fact]
    public async Task Archived_restore_sends_the_days_and_tier_and_exits_3_naming_the_restore()
    {
        FrozenSource();
        RestoreObjectRequest? sent = null;
        _oss.Setup(c => c.RestoreObjectAsync(It.IsAny<RestoreObjectRequest>(), It.IsAny<CancellationToken>()))
            .Callback<RestoreObjectRequest, CancellationToken>((r, _) => sent = r)
            .ReturnsAsync(new RestoreObjectResult { StatusCode = 202, RequestId = "R-1" });

        var code = await RunAsync([.. CopyArgs, "--archived", "restore", "--restore-days", "10", "--restore-tier", "standard"]);

        Assert.Equal(CliApp.Restoring, code);
        Assert.Equal(("src-bucket", "s.txt", (int?)10, "Standard"), (sent!.Bucket, sent.Key, sent.Days, sent.Tier));
        Assert.Contains("restoring oss://src-bucket/s.txt (DeepColdArchive): restore requested (HTTP 202, request id: R-1)", _out.ToString(), StringComparison.Ordinal);
        _oss.Verify(c => c.CopyObjectAsync(It.IsAny<CopyObjectRequest>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Archived_skip_exits_0_and_sends_no_copy()
    {
        FrozenSource();

        var code = await RunAsync([.. CopyArgs, "--archived", "SKIP"]);

        Assert.Equal(0, code);
        Assert.Contains("skipped oss://src-bucket/s.txt: Archived (DeepColdArchive, not restored); nothing was sent", _out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_archived_flags_exit_2_each_named_before_any_request()
    {
        var code = await RunAsync([.. CopyArgs, "--archived", "thaw", "--restore-days", "0", "--restore-tier", "Fast"]);

        Assert.Equal(2, code);
        var error = _error.ToString();
        Assert.Contains("--archived: 'thaw'", error, StringComparison.Ordinal);
        Assert.Contains("--restore-days: 0 is not a restore period", error, StringComparison.Ordinal);
        Assert.Contains("--restore-tier: 'Fast'", error, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-that-must-not-print", error + _out, StringComparison.Ordinal);
        _oss.VerifyNoOtherCalls();
    }
}
