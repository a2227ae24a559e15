using OssCopy.AzureStorage.Tests;
using LocalOss;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OssCopy.Functions.Copy;
using OssCopy.Functions.Events;
using OssCopy.Oss;
using OssCopy.Oss.Credentials;
using OssCopy.Oss.Models;

namespace OssCopy.Functions.Tests.Support;

/// <summary>
/// The app as it runs: the real host built by the app's own registration (never started), an in-process LocalOss
/// with an account whose secret is made for this run, an Azurite of its own (the queued copies, Idempotency-Keys and
/// event dedupe), a test MNS, and every log line captured.
/// </summary>
public sealed class FunctionsAppFixture : IAsyncLifetime
{
    public const string AccessKeyId = "LTAI5tFunctionsTests";
    public const string SourceBucket = "fn-source";
    public const string DestinationBucket = "fn-destination";
    public const string VersionedBucket = "fn-versioned";
    public const string EventSourceBucket = "ev-source";
    public const string EventDestinationBucket = "ev-destination";
    public const string SecretHeader = "x-osscopy-event-secret";

    public static readonly string AccessKeySecret = "fn-secret-" + Guid.NewGuid().ToString("N");
    public static readonly string EventSecret = "eb-secret-" + Guid.NewGuid().ToString("N");

    public LocalOssServer Oss { get; private set; } = null!;

    public IHost Host { get; private set; } = null!;

    public IOssClient Admin { get; private set; } = null!;

    public TestMns Mns { get; } = new();

    public AzuriteFixture Azurite { get; } = new();

    /// <summary>Plays the host's listener of the copy-requests queue (drain it after a request that queues a copy).</summary>
    public CopyQueueDriver Queue { get; private set; } = null!;

    public CapturingLoggerProvider Logs { get; } = new();

    public static IReadOnlyCollection<string> Secrets => [AccessKeySecret, EventSecret];

    public async Task InitializeAsync()
    {
        await Azurite.InitializeAsync();
        Queue = new CopyQueueDriver(Azurite.ConnectionString);
        var options = new LocalOssOptions { Port = 0, DataDirectory = null, RestoreDelay = TimeSpan.Zero };
        options.Accounts.Add(new LocalOssAccount { AccessKeyId = AccessKeyId, AccessKeySecret = AccessKeySecret });
        Oss = await LocalOssServer.StartAsync(options);
        Admin = OssClient.Create(new OssClientOptions { Region = "cn-hangzhou", Endpoint = Oss.BaseAddress.ToString(), UsePathStyle = true, MaxRetries = 0 },
            new StaticCredentialsProvider(new OssCredentials(AccessKeyId, AccessKeySecret)));
        foreach (var bucket in new[] { SourceBucket, DestinationBucket, EventSourceBucket, EventDestinationBucket })
        {
            await Admin.PutBucketAsync(new PutBucketRequest { Bucket = bucket });
        }

        await Admin.PutBucketAsync(new PutBucketRequest { Bucket = VersionedBucket });
        await Admin.PutBucketVersioningAsync(VersionedBucket, OssVersioningStatus.Enabled);
        Host = BuildHost(Settings(), Logs, Mns.Handler);
    }

    public async Task DisposeAsync()
    {
        Host.Dispose();
        await Oss.DisposeAsync();
        Mns.Dispose();
        await Azurite.DisposeAsync();
    }

    /// <summary>Every setting the app reads, pointed at this LocalOss.</summary>
    public Dictionary<string, string?> Settings() => new()
    {
        ["Oss:Region"] = "cn-hangzhou",
        ["Oss:Endpoint"] = Oss.BaseAddress.ToString(),
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
        ["Events:Routes:0:Tagging"] = "Via=event",
        ["Events:EventBridge:SecretHeader"] = SecretHeader,
        ["Events:EventBridge:SharedSecret"] = EventSecret,
        ["Events:Mns:AllowedCertificateHosts:0"] = "mns-cert.oss-*.aliyuncs.com",
        ["AzureWebJobsStorage"] = Azurite.ConnectionString,
    };

    /// <summary>Runs the queued copies through the app's queue function, as the host would.</summary>
    public Task<int> DrainAsync() => Queue.DrainAsync(Host);

    /// <summary>The app's host from its own registration (<c>ConfigureOssCopyFunctions</c>), with test settings and log capture.</summary>
    public static IHost BuildHost(IDictionary<string, string?> settings, ILoggerProvider? logs = null, HttpMessageHandler? certificates = null)
    {
        var builder = FunctionsApplication.CreateBuilder([]);
        builder.Configuration.AddInMemoryCollection(settings);
        builder.ConfigureOssCopyFunctions();
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }

        if (certificates is not null)
        {
            builder.Services.AddHttpClient(MnsCertificateSource.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => certificates);
        }

        return builder.Build();
    }

    public Task<TestResponse> CopyAsync(string body, IDictionary<string, string>? headers = null, string contentType = "application/json") =>
        CopyAsync(System.Text.Encoding.UTF8.GetBytes(body), headers, contentType);

    public Task<TestResponse> CopyAsync(byte[] body, IDictionary<string, string>? headers = null, string? contentType = "application/json") =>
        InvokeAsync<CopyFunction>(Host, "/api/copy", body, contentType, headers, (f, r) => f.RunAsync(r));

    public Task<TestResponse> EventAsync(byte[] body, string? contentType, IDictionary<string, string>? headers = null, Action<HttpRequest>? prepare = null) =>
        InvokeAsync<EventsFunction>(Host, "/api/events", body, contentType, headers, (f, r) => f.RunAsync(r), prepare);

    /// <summary>Drives an HTTP function as the ASP.NET Core integration does: a request on a context, the result executed on its response.</summary>
    public static async Task<TestResponse> InvokeAsync<TFunction>(IHost host, string path, byte[] body, string? contentType, IDictionary<string, string>? headers,
        Func<TFunction, HttpRequest, Task<IActionResult>> run, Action<HttpRequest>? prepare = null)
    {
        using var scope = host.Services.CreateScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Request.Method = "POST";
        context.Request.Scheme = "https";
        context.Request.Host = new HostString("osscopy.azurewebsites.net");
        context.Request.Path = path;
        context.Request.Body = new MemoryStream(body);
        context.Request.ContentLength = body.Length;
        context.Request.ContentType = contentType;
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            context.Request.Headers[name] = value;
        }

        prepare?.Invoke(context.Request);
        var response = new MemoryStream();
        context.Response.Body = response;
        var function = ActivatorUtilities.CreateInstance<TFunction>(scope.ServiceProvider);
        var result = await run(function, context.Request);
        await result.ExecuteResultAsync(new ActionContext { HttpContext = context });
        return new TestResponse(context.Response.StatusCode, context.Response.ContentType, response.ToArray(),
            context.Response.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase));
    }

    public async Task<OssObjectProperties> HeadAsync(string bucket, string key) =>
        (await Admin.HeadObjectAsync(new HeadObjectRequest { Bucket = bucket, Key = key })).Properties;

    public async Task<PutObjectResult> PutAsync(string bucket, string key, string content, string? tagging = null) =>
        await Admin.PutObjectAsync(new PutObjectRequest { Bucket = bucket, Key = key, Body = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content)), Tagging = tagging });

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
}

public sealed record TestResponse(int Status, string? ContentType, byte[] Body, IReadOnlyDictionary<string, string> Headers)
{
    public string Text => System.Text.Encoding.UTF8.GetString(Body);

    public System.Text.Json.JsonElement Json => System.Text.Json.JsonDocument.Parse(Body).RootElement;

    public override string ToString() => $"{Status} {ContentType} {Text}";
}

[CollectionDefinition(Name)]
public sealed class FunctionsAppGroup : ICollectionFixture<FunctionsAppFixture>
{
    public const string Name = "Functions app";
}
