using System.Text.Json;
using Azure.Storage.Queues;
using LocalOss;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OssCopy.AzureStorage;
using OssCopy.AzureStorage.Tests;
using OssCopy.Functions.Backups;
using OssCopy.Oss;
using OssCopy.Oss.Credentials;
using OssCopy.Oss.Models;

namespace OssCopy.Functions.Tests.Support;

/// <summary>
/// The backup side of the app on real parts: one Azurite (the storage the run lives in, with the app's own queue
/// names) and one in-process LocalOss for the collection; each test builds the app's host with the plans it needs
/// (unique names, so runs never meet) through the app's own registration.
/// </summary>
public sealed class BackupAppFixture : IAsyncLifetime
{
    public const string AccessKeyId = "LTAI5tBackupTests";
    public const string SourceBucket = "bk-source";
    public const string DestinationBucket = "bk-destination";

    public static readonly string AccessKeySecret = "bk-secret-" + Guid.NewGuid().ToString("N");

    public AzuriteFixture Azurite { get; } = new();

    public LocalOssServer Oss { get; private set; } = null!;

    public IOssClient Admin { get; private set; } = null!;

    public CapturingLoggerProvider Logs { get; } = new();

    public async Task InitializeAsync()
    {
        await Azurite.InitializeAsync();
        var options = new LocalOssOptions { Port = 0, DataDirectory = null };
        options.Accounts.Add(new LocalOssAccount { AccessKeyId = AccessKeyId, AccessKeySecret = AccessKeySecret });
        Oss = await LocalOssServer.StartAsync(options);
        Admin = OssClient.Create(new OssClientOptions { Region = "cn-hangzhou", Endpoint = Oss.BaseAddress.ToString(), UsePathStyle = true, MaxRetries = 0 },
            new StaticCredentialsProvider(new OssCredentials(AccessKeyId, AccessKeySecret)));
        await Admin.PutBucketAsync(new PutBucketRequest { Bucket = SourceBucket });
        await Admin.PutBucketAsync(new PutBucketRequest { Bucket = DestinationBucket });
    }

    public async Task DisposeAsync()
    {
        await Oss.DisposeAsync();
        await Azurite.DisposeAsync();
    }

    /// <summary>A plan name no other test uses.</summary>
    public static string NewPlanName(string what) => $"{what}-{Guid.NewGuid():N}"[..(what.Length + 13)];

    /// <summary>The CLI's plan JSON copying <c>{name}/</c> of the source bucket to <c>{name}/</c> of the destination.</summary>
    public static string PlanJson(string name) => JsonSerializer.Serialize(new
    {
        name,
        source = new { bucket = SourceBucket, prefix = name + "/" },
        destination = new { bucket = DestinationBucket, prefix = name + "/" },
    });

    /// <summary>The app's settings against this Azurite and LocalOss, with <paramref name="plans"/> (name → own cron or null) inline.</summary>
    public Dictionary<string, string?> Settings(IReadOnlyDictionary<string, string?> plans)
    {
        var settings = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = Azurite.ConnectionString,
            ["BackupSchedule"] = "0 */5 * * * *",
            ["Oss:Region"] = "cn-hangzhou",
            ["Oss:Endpoint"] = Oss.BaseAddress.ToString(),
            ["Oss:UsePathStyle"] = "true",
            ["Oss:MaxRetries"] = "1",
            ["Oss:RetryBaseDelay"] = "00:00:00.005",
            ["OSS_ACCESS_KEY_ID"] = AccessKeyId,
            ["OSS_ACCESS_KEY_SECRET"] = AccessKeySecret,
            ["Backup:MaxParallelism"] = "16",
        };
        foreach (var (name, schedule) in plans)
        {
            settings[$"OssCopy:Backups:Plans:{name}:Json"] = PlanJson(name);
            if (schedule is not null)
            {
                settings[$"OssCopy:Backups:Plans:{name}:Schedule"] = schedule;
            }
        }

        return settings;
    }

    public IHost BuildHost(IReadOnlyDictionary<string, string?> plans) => FunctionsAppFixture.BuildHost(Settings(plans), Logs);

    /// <summary>Puts <paramref name="count"/> small objects under <c>{plan}/</c> of the source bucket.</summary>
    public async Task PutObjectsAsync(string plan, int count)
    {
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
            await Admin.PutObjectAsync(new PutObjectRequest
            {
                Bucket = SourceBucket,
                Key = $"{plan}/obj-{i:D5}.txt",
                Body = new MemoryStream(System.Text.Encoding.UTF8.GetBytes($"object {i} of {plan}")),
            }, ct));
    }

    /// <summary>Drives an HTTP function (GET or POST, no body) as the ASP.NET Core integration does.</summary>
    public static async Task<TestResponse> InvokeAsync<TFunction>(IHost host, string method, string path, Func<TFunction, HttpRequest, Task<IActionResult>> run)
    {
        using var scope = host.Services.CreateScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Request.Method = method;
        context.Request.Scheme = "https";
        context.Request.Host = new HostString("osscopy.azurewebsites.net");
        context.Request.Path = path;
        var response = new MemoryStream();
        context.Response.Body = response;
        var function = ActivatorUtilities.CreateInstance<TFunction>(scope.ServiceProvider);
        var result = await run(function, context.Request);
        await result.ExecuteResultAsync(new ActionContext { HttpContext = context });
        return new TestResponse(context.Response.StatusCode, context.Response.ContentType, response.ToArray(),
            context.Response.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase));
    }

    public static Task<TestResponse> StartRunAsync(IHost host, string plan) =>
        InvokeAsync<BackupsFunction>(host, "POST", $"/api/backups/{plan}/runs", (f, r) => f.StartAsync(r, plan));

    public static Task<TestResponse> GetRunAsync(IHost host, string plan, string runId) =>
        InvokeAsync<BackupsFunction>(host, "GET", $"/api/backups/{plan}/runs/{runId}", (f, r) => f.GetRunAsync(r, plan, runId));

    public static Task<TestResponse> ListAsync(IHost host) =>
        InvokeAsync<BackupsFunction>(host, "GET", "/api/backups", (f, r) => f.ListAsync(r));

    /// <summary>One timer tick as the host delivers it: <c>TimerInfo</c> with the last recorded occurrence.</summary>
    public static Task TickAsync(IHost host, DateTime? last)
    {
        var timer = new Microsoft.Azure.Functions.Worker.TimerInfo
        {
            ScheduleStatus = last is null ? null : new Microsoft.Azure.Functions.Worker.ScheduleStatus { Last = last.Value, Next = DateTime.UtcNow.AddMinutes(5), LastUpdated = last.Value },
        };
        return ActivatorUtilities.CreateInstance<BackupTimerFunction>(host.Services).RunAsync(timer, new TestFunctionContext(host.Services));
    }

    /// <summary>The report blob of the run in the CLI's JSON, or null while it has none.</summary>
    public static async Task<JsonDocument?> ReportAsync(IHost host, string plan, string runId)
    {
        await using var stream = await host.Services.GetRequiredService<BlobReportStore>().OpenReadAsync(plan, runId, CancellationToken.None);
        return stream is null ? null : await JsonDocument.ParseAsync(stream);
    }

    /// <summary>How many runs the runs table holds for <paramref name="plan"/> (rows <c>run-*</c> of its partition).</summary>
    public async Task<int> CountRunsAsync(string plan)
    {
        var table = Azurite.CreateClients().Tables.GetTableClient(new AzureStorageOptions().RunsTable);
        var partition = TableKeys.ForText(plan);
        var count = 0;
        await foreach (var _ in table.QueryAsync<Azure.Data.Tables.TableEntity>(
            Azure.Data.Tables.TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {"run-"} and RowKey lt {"run-~"}"), select: ["RowKey"]))
        {
            count++;
        }

        return count;
    }

    public async Task<bool> ExistsAsync(string bucket, string key)
    {
        try
        {
            await Admin.HeadObjectAsync(new HeadObjectRequest { Bucket = bucket, Key = key });
            return true;
        }
        catch (OssException ex) when (ex.StatusCode == 404)
        {
            return false;
        }
    }

    public QueueClient Queue(string name) => Azurite.CreateClients().Queues.GetQueueClient(name);
}

[CollectionDefinition(Name)]
public sealed class BackupAppGroup : ICollectionFixture<BackupAppFixture>
{
    public const string Name = "Functions app backups on Azurite";
}
