using System.Collections.Concurrent;
using LocalOss;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OssCopy.Core.Backup;
using OssCopy.Core.Copying;
using OssCopy.Core.State;
using OssCopy.Oss;
using OssCopy.Oss.Credentials;
using OssCopy.Oss.Http;
using OssCopy.Oss.Models;

namespace OssCopy.Core.IntegrationTests;

/// <summary>An in-process LocalOss (in memory, free port) and engine clients pointed at it.</summary>
public sealed class LocalOssFixture : IAsyncLifetime
{
    public const string FarRegion = "cn-shanghai";
    private static int _buckets;

    public LocalOssServer Server { get; private set; } = null!;

    /// <summary>A plain client (setup and checks): its requests count in the server's counters too.</summary>
    public IOssClient Admin { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var options = new LocalOssOptions { Port = 0, DataDirectory = null };
        Server = await LocalOssServer.StartAsync(options);
        Admin = Client();
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();

    public static StaticCredentialsProvider Credentials =>
        new(new OssCredentials(LocalOssOptions.DefaultAccessKeyId, LocalOssOptions.DefaultAccessKeySecret));

    public OssClientOptions ClientOptions(int maxRetries = 2) => new()
    {
        Region = "cn-hangzhou", Endpoint = Server.BaseAddress.ToString(), UsePathStyle = true, MaxRetries = maxRetries, RetryBaseDelay = TimeSpan.FromMilliseconds(5),
    };

    /// <summary>A client; <paramref name="wrap"/> may put a handler between it and the socket (to watch or tamper with answers).</summary>
    public OssClient Client(int maxRetries = 2, Func<HttpMessageHandler, HttpMessageHandler>? wrap = null)
    {
        HttpMessageHandler primary = OssClient.CreatePrimaryHandler();
        return OssClient.Create(ClientOptions(maxRetries), Credentials, wrap is null ? primary : wrap(primary));
    }

    public static CopyOrchestrator Orchestrator(IOssClient client, Action<CopyEngineOptions>? configure = null)
    {
        var options = new CopyEngineOptions();
        configure?.Invoke(options);
        return new CopyOrchestrator(client, Options.Create(options));
    }

    public static BackupRunner Runner(IOssClient client, ICopyStateStore? store = null, Action<CopyEngineOptions>? engine = null, Action<BackupRunnerOptions>? configure = null,
        ThrottleSignal? throttleSignal = null) =>
        Services(client, store, engine, configure, throttleSignal).GetRequiredService<BackupRunner>();

    /// <summary>The engine as hosts compose it (<c>AddOssCopyEngine</c>, requests counted) over the given client, with quick backoffs and checkpoints.</summary>
    public static ServiceProvider Services(IOssClient client, ICopyStateStore? store = null, Action<CopyEngineOptions>? engine = null,
        Action<BackupRunnerOptions>? configure = null, ThrottleSignal? throttleSignal = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton(client);
        services.AddOssRequestCounting();
        services.AddSingleton(store ?? NullCopyStateStore.Instance);
        if (throttleSignal is not null)
        {
            services.AddSingleton(throttleSignal);
        }

        services.AddOssCopyEngine(new ConfigurationBuilder().Build());
        services.Configure<CopyEngineOptions>(o => engine?.Invoke(o));
        services.Configure<BackupRunnerOptions>(o =>
        {
            o.ThrottleBackoff = TimeSpan.FromMilliseconds(10);
            o.CheckpointInterval = TimeSpan.FromMilliseconds(50);
            configure?.Invoke(o);
        });
        return services.BuildServiceProvider();
    }

    public async Task<string> NewBucketAsync(string prefix = "it", bool versioned = false)
    {
        var name = $"{prefix}-{Environment.ProcessId}-{Interlocked.Increment(ref _buckets)}";
        await Admin.PutBucketAsync(new PutBucketRequest { Bucket = name });
        if (versioned)
        {
            await Admin.PutBucketVersioningAsync(name, OssVersioningStatus.Enabled);
        }

        return name;
    }

    /// <summary>A bucket in another region: created through a client that signs for that region.</summary>
    public async Task<string> NewFarBucketAsync()
    {
        var name = $"far-{Environment.ProcessId}-{Interlocked.Increment(ref _buckets)}";
        var options = ClientOptions();
        options.Region = FarRegion;
        var far = OssClient.Create(options, Credentials);
        await far.PutBucketAsync(new PutBucketRequest { Bucket = name });
        return name;
    }

    public async Task<PutObjectResult> PutAsync(string bucket, string key, byte[] data, string? tagging = null,
        IReadOnlyDictionary<string, string>? metadata = null, string? contentType = null) =>
        await Admin.PutObjectAsync(new PutObjectRequest
        {
            Bucket = bucket, Key = key, Body = new MemoryStream(data), Tagging = tagging, Metadata = metadata, ContentType = contentType,
        });

    public async Task<byte[]> GetAsync(string bucket, string key)
    {
        await using var result = await Admin.GetObjectAsync(new GetObjectRequest { Bucket = bucket, Key = key });
        using var buffer = new MemoryStream();
        await result.Content.CopyToAsync(buffer);
        return buffer.ToArray();
    }
}

/// <summary>Sits before the socket: records answers per operation and lets a test change a request or an answer.</summary>
public sealed class WatchingHandler : DelegatingHandler
{
    public WatchingHandler(HttpMessageHandler inner)
        : base(inner)
    {
    }

    public ConcurrentQueue<(string Method, string Path, int Status, bool IsCopy)> Answers { get; } = new();

    public Func<HttpRequestMessage, Task>? BeforeSend { get; set; }

    public Action<HttpRequestMessage, HttpResponseMessage>? AfterReceive { get; set; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (BeforeSend is not null)
        {
            await BeforeSend(request);
        }

        var response = await base.SendAsync(request, cancellationToken);
        AfterReceive?.Invoke(request, response);
        Answers.Enqueue((request.Method.Method, Uri.UnescapeDataString(request.RequestUri!.AbsolutePath), (int)response.StatusCode,
            request.Headers.Contains(OssHeaders.CopySource) && !request.RequestUri.Query.Contains("partNumber", StringComparison.Ordinal)));
        return response;
    }
}
