using System.Text.Json;
using LocalOss;
using OssCopy.Cli;
using OssCopy.Core.Backup;

namespace OssCopy.AzureStorage.Tests;

/// <summary><c>osscopy backup --distributed</c> end to end: LocalOss, Azurite, the CLI's own composition.</summary>
[Collection(AzuriteTests.Name)]
public sealed class DistributedCliTests(AzuriteFixture azurite, LocalOssServerFixture oss) : IClassFixture<LocalOssServerFixture>
{
    private async Task<(int Code, string Out, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var env = CliEnvironment.ForWriters(output, error);
        var app = new CliApp(new CliEnvironment
        {
            Out = env.Out, Error = env.Error, Console = env.Console, ProgressInterval = TimeSpan.FromMilliseconds(200),
            GetVariable = name => name switch
            {
                "OSS_ACCESS_KEY_ID" => LocalOssOptions.DefaultAccessKeyId,
                "OSS_ACCESS_KEY_SECRET" => LocalOssOptions.DefaultAccessKeySecret,
                "AzureWebJobsStorage" => azurite.ConnectionString,
                _ => null,
            },
        });
        var code = await app.RunAsync(args, CancellationToken.None);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Backup_distributed_copies_the_plan_through_the_queues_and_writes_the_same_report()
    {
        var source = await oss.NewBucketAsync("clisrc");
        var destination = await oss.NewBucketAsync("clidst");
        for (var i = 0; i < 60; i++)
        {
            await oss.PutAsync(source, $"docs/{i:D3}.txt", [(byte)i, 1, 2, 3]);
        }

        var folder = Directory.CreateTempSubdirectory("osscopy-dist-");
        try
        {
            var planPath = Path.Combine(folder.FullName, "plan.json");
            var name = "cli-" + Guid.NewGuid().ToString("N")[..6];
            await File.WriteAllTextAsync(planPath, JsonSerializer.Serialize(new
            {
                name, source = new { bucket = source, prefix = "docs/" }, destination = new { bucket = destination, prefix = "copy/" },
                oss = new { region = "cn-hangzhou", endpoint = oss.Server.BaseAddress.ToString(), usePathStyle = true },
            }));
            var reportPath = Path.Combine(folder.FullName, "report.json");

            var (code, output, error) = await RunAsync("backup", "--plan", planPath, "--distributed", "--workers", "3", "--report", reportPath);

            Assert.True(code == CliApp.Success, $"exit {code}\n{output}\n{error}");
            Assert.Contains("Started distributed run", output, StringComparison.Ordinal);
            await using var file = File.OpenRead(reportPath);
            var report = await ReportFile.ReadAsync(file);
            Assert.Equal((60L, 60L), (report.Totals.Listed, report.Totals.Copied));
            Assert.Equal(Enumerable.Range(0, 60).Select(i => $"docs/{i:D3}.txt"), report.Objects.Select(o => o.Key));
            Assert.All(report.Objects, o => Assert.Equal(ReportAction.Copied, o.Action));

            var (again, _, againError) = await RunAsync("backup", "--plan", planPath, "--distributed", "--storage", azurite.ConnectionString);
            Assert.True(again == CliApp.Success, againError);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Backup_distributed_without_a_storage_connection_is_bad_usage_before_any_request()
    {
        var (code, _, error) = await RunWithoutStorageAsync();
        Assert.Equal(CliApp.BadUsage, code);
        Assert.Contains("--storage", error, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Out, string Error)> RunWithoutStorageAsync()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var env = CliEnvironment.ForWriters(output, error);
        var planPath = Path.Combine(Path.GetTempPath(), $"plan-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(planPath, """{"name":"p","source":{"bucket":"src-bucket"},"destination":{"bucket":"dst-bucket"},"oss":{"region":"cn-hangzhou"}}""");
        try
        {
            var app = new CliApp(new CliEnvironment
            {
                Out = env.Out, Error = env.Error, Console = env.Console,
                GetVariable = name => name is "OSS_ACCESS_KEY_ID" or "OSS_ACCESS_KEY_SECRET" ? "x" : null,
            });
            var code = await app.RunAsync(["backup", "--plan", planPath, "--distributed"], CancellationToken.None);
            return (code, output.ToString(), error.ToString());
        }
        finally
        {
            File.Delete(planPath);
        }
    }
}
