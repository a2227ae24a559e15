using LocalOss;
using OssCopy.AzureStorage.Tests;
using OssCopy.Functions.ProcessTests.Host;
using OssCopy.Oss;
using OssCopy.Oss.Credentials;
using OssCopy.Oss.Models;

namespace OssCopy.Functions.ProcessTests.Support;

/// <summary>
/// The built app running as a worker process under the test host, against an in-process LocalOss whose account
/// secret is made for this run and an Azurite (its <c>AzureWebJobsStorage</c>, where backup runs live). One worker for
/// the collection: starting a worker costs seconds.
/// </summary>
public sealed class WorkerAppFixture : IAsyncLifetime
{
    public const string AccessKeyId = "LTAI5tProcessTests";
    public const string SourceBucket = "proc-source";
    public const string DestinationBucket = "proc-destination";
    public const string EventSourceBucket = "proc-ev-source";
    public const string EventDestinationBucket = "proc-ev-destination";
    public const string SecretHeader = "x-osscopy-event-secret";

    /// <summary>The backup plan the worker is configured with (no own cron: due on every timer tick).</summary>
    public const string BackupPlan = "proc-backup";
    public const string BackupSourcePrefix = "backup-src/";
    public const string BackupDestinationPrefix = "backup-dst/";

    public static readonly string AccessKeySecret = "proc-secret-" + Guid.NewGuid().ToString("N");
    public static readonly string EventSecret = "proc-eb-secret-" + Guid.NewGuid().ToString("N");

    private FunctionsTestHost? _host;

    public LocalOssServer Oss { get; private set; } = null!;

    public AzuriteFixture Azurite { get; } = new();

    public IOssClient Admin { get; private set; } = null!;

    public FunctionsTestHost Host => _host ?? throw new InvalidOperationException("The worker did not start.");

    public HttpInvoker Http { get; private set; } = null!;

    public static IReadOnlyCollection<string> Secrets => [AccessKeySecret, EventSecret];

    public async Task InitializeAsync()
    {
        await Azurite.InitializeAsync();
        try
        {
            var options = new LocalOssOptions { Port = 0, DataDirectory = null, RestoreDelay = TimeSpan.Zero };
            options.Accounts.Add(new LocalOssAccount { AccessKeyId = AccessKeyId, AccessKeySecret = AccessKeySecret });
            Oss = await LocalOssServer.StartAsync(options);
            Admin = OssClient.Create(new OssClientOptions { Region = "cn-hangzhou", Endpoint = Oss.BaseAddress.ToString(), UsePathStyle = true, MaxRetries = 0 },
                new StaticCredentialsProvider(new OssCredentials(AccessKeyId, AccessKeySecret)));
            foreach (var bucket in new[] { SourceBucket, DestinationBucket, EventSourceBucket, EventDestinationBucket })
            {
                await Admin.PutBucketAsync(new PutBucketRequest { Bucket = bucket });
            }

            var settings = Settings(Oss.BaseAddress);
            foreach (var (name, value) in BackupSettings(Azurite.ConnectionString))
            {
                settings[name] = value;
            }

            _host = await FunctionsTestHost.StartAsync(Repository.FunctionsOutput, settings);
            await _host.InitializeAsync(Repository.FunctionsOutput);
        }
        catch
        {
            // xunit does not dispose a fixture whose start failed: stop the worker (by its PID), LocalOss and Azurite here.
            await DisposeAsync();
            throw;
        }

        Http = new HttpInvoker(_host);
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
            _host = null;
        }

        if (Oss is not null)
        {
            await Oss.DisposeAsync();
        }

        await Azurite.DisposeAsync();
    }

    /// <summary>The settings of the backup side: the storage connection (Azurite), the timer's schedule and the plan.</summary>
    public static Dictionary<string, string?> BackupSettings(string storageConnection) => new()
    {
        ["AzureWebJobsStorage"] = storageConnection,
        ["BackupSchedule"] = "0 */5 * * * *",
        // Batches of 50, so the 150-object run takes several copy-batch invocations.
        ["OssCopy:AzureStorage:MaxItemsPerBatch"] = "50",
        [$"OssCopy:Backups:Plans:{BackupPlan}:Json"] = System.Text.Json.JsonSerializer.Serialize(new
        {
            source = new { bucket = SourceBucket, prefix = BackupSourcePrefix },
            destination = new { bucket = DestinationBucket, prefix = BackupDestinationPrefix },
        }),
    };

    /// <summary>The app settings the worker gets (as environment variables), pointed at <paramref name="endpoint"/>.</summary>
    public static Dictionary<string, string?> Settings(Uri endpoint) => new()
    {
        ["Oss:Region"] = "cn-hangzhou",
        ["Oss:Endpoint"] = endpoint.ToString(),
        ["Oss:UsePathStyle"] = "true",
        ["Oss:MaxRetries"] = "1",
        ["Oss:RetryBaseDelay"] = "00:00:00.005",
        ["OSS_ACCESS_KEY_ID"] = AccessKeyId,
        ["OSS_ACCESS_KEY_SECRET"] = AccessKeySecret,
        ["Webhook:MaxBodyBytes"] = "16384",
        ["Events:Routes:0:SourceBucket"] = EventSourceBucket,
        ["Events:Routes:0:SourcePrefix"] = "in/",
        ["Events:Routes:0:DestinationBucket"] = EventDestinationBucket,
        ["Events:Routes:0:DestinationPrefix"] = "copied/",
        ["Events:EventBridge:SecretHeader"] = SecretHeader,
        ["Events:EventBridge:SharedSecret"] = EventSecret,
        ["Events:Mns:AllowedCertificateHosts:0"] = "mns-cert.oss-*.aliyuncs.com",
    };

    public Task<HttpInvocationResult> CopyAsync(string body, string contentType = "application/json") =>
        Http.PostAsync("Copy", "/api/copy", System.Text.Encoding.UTF8.GetBytes(body), contentType);

    public Task<HttpInvocationResult> EventAsync(byte[] body, string contentType, IReadOnlyDictionary<string, string> headers) =>
        Http.PostAsync("OssEvents", "/api/events", body, contentType, headers);

    public async Task<PutObjectResult> PutAsync(string bucket, string key, string content) =>
        await Admin.PutObjectAsync(new PutObjectRequest { Bucket = bucket, Key = key, Body = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content)) });

    public async Task<string> GetTextAsync(string bucket, string key)
    {
        await using var result = await Admin.GetObjectAsync(new GetObjectRequest { Bucket = bucket, Key = key });
        using var reader = new StreamReader(result.Content);
        return await reader.ReadToEndAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class WorkerAppGroup : ICollectionFixture<WorkerAppFixture>
{
    public const string Name = "Functions app as a worker process";
}
