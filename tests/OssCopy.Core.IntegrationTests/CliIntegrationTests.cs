using System.Text.Json;
using OssCopy.Cli;

namespace OssCopy.Core.IntegrationTests;

/// <summary>The osscopy commands users type, end to end against LocalOss.</summary>
public sealed class CliIntegrationTests(LocalOssFixture oss) : IClassFixture<LocalOssFixture>
{
    private static async Task<(int Code, string Out, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var env = CliEnvironment.ForWriters(output, error);
        var app = new CliApp(new CliEnvironment
        {
            Out = env.Out, Error = env.Error, Console = env.Console,
            GetVariable = name => name switch
            {
                "OSS_ACCESS_KEY_ID" => LocalOssFixture.AccessKeyId,
                "OSS_ACCESS_KEY_SECRET" => LocalOssFixture.AccessKeySecret,
                _ => null,
            },
        });
        var code = await app.RunAsync(args, CancellationToken.None);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Copy_with_the_python_samples_flags_prints_its_fields()
    {
        var bucket = await oss.NewBucketAsync();
        await oss.PutAsync(bucket, "src dir/a+b.txt", "hello osscopy"u8.ToArray());

        var (code, output, error) = await RunAsync("copy", "--region", LocalOssFixture.Region, "--endpoint", oss.Endpoint, "--bucket", bucket,
            "--key", "dst/a+b.txt", "--source_bucket", bucket, "--source_key", "src dir/a+b.txt", "--tagging", "Backup=yes", "--tagging-directive", "Replace");

        Assert.True(code == 0, error);
        Assert.Matches(@"^status code: 200, request id: \S+, version id: None, hash crc64: \d+, source version id: None, server side encryption: None, " +
                       @"server side data encryption: None, server side encryption key id: None, last modified: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+00:00, etag: ""[0-9A-F]+"",", output);
        Assert.Equal("hello osscopy"u8.ToArray(), await oss.GetAsync(bucket, "dst/a+b.txt"));
    }

    [Fact]
    public async Task Copy_onto_an_existing_key_with_forbid_overwrite_exits_1_with_the_conflict()
    {
        var bucket = await oss.NewBucketAsync();
        await oss.PutAsync(bucket, "a", "1"u8.ToArray());
        await oss.PutAsync(bucket, "b", "2"u8.ToArray());

        var (code, _, error) = await RunAsync("copy", "--region", LocalOssFixture.Region, "--endpoint", oss.Endpoint, "--bucket", bucket,
            "--key", "b", "--source-bucket", bucket, "--source-key", "a", "--forbid-overwrite");

        Assert.Equal(1, code);
        Assert.Contains("FileAlreadyExists (HTTP 409)", error, StringComparison.Ordinal);
    }

    [Trait("Backend", LocalOssFixture.LocalOssOnly)]
    [Fact]
    public async Task Backup_twice_copies_everything_then_nothing_and_leaves_reports()
    {
        var source = await oss.NewBucketAsync("src");
        var destination = await oss.NewBucketAsync("dst");
        for (var i = 0; i < 25; i++)
        {
            await oss.PutAsync(source, $"photos/{i % 4}/img {i}.jpg", new byte[100 + i], i % 2 == 0 ? "Album=a" : null);
        }

        var dir = Path.Combine(Path.GetTempPath(), "osscopy-it", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var plan = Path.Combine(dir, "plan.json");
        await File.WriteAllTextAsync(plan, $$"""
            {
              "name": "photos",
              "source": { "bucket": "{{source}}", "prefix": "photos/" },
              "destination": { "bucket": "{{destination}}", "prefix": "photos-backup/" },
              "tagRules": [ { "prefix": "0/", "action": "Replace", "tagging": "Backup={plan}&Date={date}" } ],
              "oss": { "region": "{{LocalOssFixture.Region}}", "endpoint": "{{oss.Endpoint}}", "usePathStyle": {{(LocalOssFixture.UsePathStyle ? "true" : "false")}} }
            }
            """);

        var first = await RunAsync("backup", "--plan", plan, "--report", Path.Combine(dir, "first.json"), "--state-dir", Path.Combine(dir, "state"));
        oss.Server.Counters.Reset();
        var second = await RunAsync("backup", "--plan", plan, "--report", Path.Combine(dir, "second.json"), "--state-dir", Path.Combine(dir, "state"));
        Dictionary<string, long> Listed() => oss.Server.Counters.Snapshot().Where(p => p.Value > 0).ToDictionary(p => p.Key, p => p.Value);
        var secondCounters = Listed();

        Assert.True(first.Code == 0, first.Error + first.Out);
        Assert.True(second.Code == 0, second.Error + second.Out);
        Assert.Contains("copied", first.Out, StringComparison.Ordinal);
        using var firstReport = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "first.json")));
        using var secondReport = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "second.json")));
        Assert.Equal(25, firstReport.RootElement.GetProperty("totals").GetProperty("copied").GetInt32());
        Assert.False(secondReport.RootElement.GetProperty("totals").TryGetProperty("copied", out var copied) && copied.GetInt32() != 0);
        Assert.Equal(25, secondReport.RootElement.GetProperty("totals").GetProperty("unchanged").GetInt32());
        Assert.Equal(new Dictionary<string, long> { ["ListObjectsV2"] = 1 }, secondCounters); // the source's page; the destination's range is in sync
        Assert.Equal("InSyncRange", secondReport.RootElement.GetProperty("objects")[0].GetProperty("reason").GetString());

        oss.Server.Counters.Reset();
        var third = await RunAsync("backup", "--plan", plan, "--full-reconcile", "--state-dir", Path.Combine(dir, "state"));

        Assert.True(third.Code == 0, third.Error + third.Out);
        Assert.Equal(new Dictionary<string, long> { ["ListObjectsV2"] = 2 }, Listed()); // both sides

        // --endpoint points the plan at what might be another server: the ranges found in sync elsewhere are not trusted.
        oss.Server.Counters.Reset();
        var elsewhere = oss.Endpoint.Replace("127.0.0.1", "localhost", StringComparison.Ordinal);
        var fourth = await RunAsync("backup", "--plan", plan, "--endpoint", elsewhere, "--state-dir", Path.Combine(dir, "state"));

        Assert.True(fourth.Code == 0, fourth.Error + fourth.Out);
        Assert.Equal(new Dictionary<string, long> { ["ListObjectsV2"] = 2 }, Listed());
    }

    [Trait("Backend", LocalOssFixture.LocalOssOnly)]
    [Theory]
    [InlineData(null, 0)]
    [InlineData("full", 2)]
    [InlineData("crc", 1)]
    public async Task Backup_verify_overrides_the_plans_verification(string? verify, int headsPerObject)
    {
        var source = await oss.NewBucketAsync("src");
        var destination = await oss.NewBucketAsync("dst");
        for (var i = 0; i < 6; i++)
        {
            await oss.PutAsync(source, $"v/{i}.bin", new byte[10 + i]);
        }

        var dir = Path.Combine(Path.GetTempPath(), "osscopy-it", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var plan = Path.Combine(dir, "plan.json");
        await File.WriteAllTextAsync(plan, $$"""
            {
              "name": "verify",
              "source": { "bucket": "{{source}}", "prefix": "v/" },
              "destination": { "bucket": "{{destination}}", "prefix": "v/" },
              "options": { "verification": "Crc" },
              "oss": { "region": "{{LocalOssFixture.Region}}", "endpoint": "{{oss.Endpoint}}", "usePathStyle": {{(LocalOssFixture.UsePathStyle ? "true" : "false")}} }
            }
            """);
        string[] args = ["backup", "--plan", plan, "--state-dir", Path.Combine(dir, "state")];
        oss.Server.Counters.Reset();

        var result = await RunAsync(verify is null ? args : [.. args, "--verify", verify]);

        Assert.True(result.Code == 0, result.Error + result.Out);
        // Without --verify the plan's own choice (Crc: a HEAD of the source per copy) holds.
        Assert.Equal((6L, 6L * (verify is null ? 1 : headsPerObject)), (oss.Server.Counters["CopyObject"], oss.Server.Counters["HeadObject"]));
    }

    [Fact]
    public async Task The_demo_plan_is_valid()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(dir!.FullName, "OssCopyFunctions.sln")))
        {
            dir = dir.Parent;
        }

        var plan = await OssCopy.Core.Backup.BackupPlanLoader.LoadFileAsync(Path.Combine(dir.FullName, "scripts", "demo-plan.json"), CancellationToken.None);

        Assert.Equal(("demo", "demo-source", "demo-backup", 3), (plan.Name, plan.Source.Bucket, plan.Destination.Bucket, plan.TagRules.Count));
    }
}
