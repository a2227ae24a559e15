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

/// <summary>
/// The backend the engine and CLI integration tests run against, chosen here and nowhere else: an in-process LocalOss
/// (in memory, free port) by default; with <c>OSS_TEST_LIVE=1</c> (what <c>scripts/test --live</c> sets) the endpoint,
/// region and account in <c>OSS_TEST_ENDPOINT</c>, <c>OSS_TEST_REGION</c>, <c>OSS_TEST_ACCESS_KEY_ID</c> and
/// <c>OSS_TEST_ACCESS_KEY_SECRET</c>, in uniquely named buckets that are emptied and deleted at the end. Tests that
/// need LocalOss itself (<see cref="Server"/>: counters, faults, a far region, its options) carry
/// <c>[Trait("Backend", "LocalOssOnly")]</c> and are filtered out of a live run.
/// </summary>
public class LocalOssFixture : IAsyncLifetime
{
    public const string FarRegion = "cn-shanghai";

    /// <summary>The trait of tests that cannot run against a live endpoint.</summary>
    public const string LocalOssOnly = "LocalOssOnly";

    private static int _buckets;

    // A live run's buckets are named for the run, so two runs (or a run and the leftovers of a killed one) never meet.
    private static readonly string RunToken = Guid.NewGuid().ToString("N")[..8];

    private readonly ConcurrentBag<string> _created = [];
    private LocalOssServer? _server;

    /// <summary>True when the tests run against <c>OSS_TEST_ENDPOINT</c> instead of an in-process LocalOss.</summary>
    public static bool IsLive => Environment.GetEnvironmentVariable("OSS_TEST_LIVE") == "1";

    /// <summary>The in-process LocalOss. Live runs have none: a test that needs it is marked <see cref="LocalOssOnly"/>.</summary>
    public LocalOssServer Server => _server ?? throw new InvalidOperationException(
        "This test needs the in-process LocalOss (counters, faults, options) and cannot run against a live endpoint: mark it [Trait(\"Backend\", \"LocalOssOnly\")].");

    /// <summary>A plain client (setup and checks): its requests count in the server's counters too.</summary>
    public IOssClient Admin { get; private set; } = null!;

    /// <summary>The endpoint the tests talk to, as a CLI user would pass it to <c>--endpoint</c>.</summary>
    public string Endpoint => IsLive ? Live("OSS_TEST_ENDPOINT") : Server.BaseAddress.ToString();

    public static string Region => IsLive ? Live("OSS_TEST_REGION") : "cn-hangzhou";

    /// <summary>Path-style addressing: LocalOss's default here; a live endpoint gets the client's own choice (forced for IP endpoints).</summary>
    public static bool UsePathStyle => !IsLive;

    public static string AccessKeyId => IsLive ? Live("OSS_TEST_ACCESS_KEY_ID") : LocalOssOptions.DefaultAccessKeyId;

    public static string AccessKeySecret => IsLive ? Live("OSS_TEST_ACCESS_KEY_SECRET") : LocalOssOptions.DefaultAccessKeySecret;

    public async Task InitializeAsync()
    {
        if (!IsLive)
        {
            var options = new LocalOssOptions { Port = 0, DataDirectory = null };
            Configure(options);
            _server = await LocalOssServer.StartAsync(options);
        }

        Admin = Client();
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
            return;
        }

        // Live: every bucket this fixture made is emptied (objects, versions, delete markers, multipart uploads) and deleted.
        var client = Client();
        var failures = new List<string>();
        foreach (var bucket in _created)
        {
            try
            {
                await client.DeleteBucketWithContentsAsync(bucket);
            }
            catch (OssException ex)
            {
                failures.Add($"{bucket}: {ex.ErrorCode} (HTTP {ex.StatusCode}) RequestId {ex.RequestId}");
            }
        }

        if (failures.Count > 0)
        {
            throw new InvalidOperationException("Test buckets were left behind: " + string.Join("; ", failures));
        }
    }

    /// <summary>Options of the in-process LocalOss a derived fixture changes (a restore delay, say).</summary>
    protected virtual void Configure(LocalOssOptions options)
    {
    }

    private static string Live(string variable) => Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
        ? value
        : throw new InvalidOperationException($"OSS_TEST_LIVE=1 needs {variable} (scripts/test --live checks it before running).");

    public static StaticCredentialsProvider Credentials => new(new OssCredentials(AccessKeyId, AccessKeySecret));

    public OssClientOptions ClientOptions(int maxRetries = 2) => new()
    {
        Region = Region, Endpoint = Endpoint, UsePathStyle = UsePathStyle, MaxRetries = maxRetries, RetryBaseDelay = TimeSpan.FromMilliseconds(5),
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
        var name = IsLive
            ? $"osscopy-it-{RunToken}-{prefix}-{Interlocked.Increment(ref _buckets)}"
            : $"{prefix}-{Environment.ProcessId}-{Interlocked.Increment(ref _buckets)}";
        await Admin.PutBucketAsync(new PutBucketRequest { Bucket = name });
        _created.Add(name);
        if (versioned)
        {
            await Admin.PutBucketVersioningAsync(name, OssVersioningStatus.Enabled);
        }

        return name;
    }

    /// <summary>A bucket in another region: created through a client that signs for that region.</summary>
    public async Task<string> NewFarBucketAsync()
    {
        _ = Server; // LocalOss only: a live account's other region is not ours to make buckets in.
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
