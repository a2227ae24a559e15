using LocalOss;
using OssCopy.Functions.ProcessTests.Host;
using OssCopy.Oss;
using OssCopy.Oss.Credentials;
using OssCopy.Oss.Models;

namespace OssCopy.Functions.ProcessTests.Support;

/// <summary>
/// The built app running as a worker process under the test host, against an in-process LocalOss whose account
/// secret is made for this run. One worker for the collection: starting a worker costs seconds.
/// </summary>
public sealed class WorkerAppFixture : IAsyncLifetime
{
    public const string AccessKeyId = "LTAI5tProcessTests";
    public const string SourceBucket = "proc-source";
    public const string DestinationBucket = "proc-destination";
    public const string EventSourceBucket = "proc-ev-source";
    public const string EventDestinationBucket = "proc-ev-destination";
    public const string SecretHeader = "x-osscopy-event-secret";

    public static readonly string AccessKeySecret = "proc-secret-" + Guid.NewGuid().ToString("N");
    public static readonly string EventSecret = "proc-eb-secret-" + Guid.NewGuid().ToString("N");

    private FunctionsTestHost? _host;

    public LocalOssServer Oss { get; private set; } = null!;

    public IOssClient Admin { get; private set; } = null!;

    public FunctionsTestHost Host => _host ?? throw new InvalidOperationException("The worker did not start.");

    public HttpInvoker Http { get; private set; } = null!;

    public static IReadOnlyCollection<string> Secrets => [AccessKeySecret, EventSecret];

    public async Task InitializeAsync()
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

        _host = await FunctionsTestHost.StartAsync(Repository.FunctionsOutput, Settings(Oss.BaseAddress));
        try
        {
            await _host.InitializeAsync(Repository.FunctionsOutput);
        }
        catch
        {
            // xunit does not dispose a fixture whose start failed: stop the worker (by its PID) and LocalOss here.
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

        await Oss.DisposeAsync();
    }

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
