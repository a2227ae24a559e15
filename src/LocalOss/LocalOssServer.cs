using System.Net;
using LocalOss.Admin;
using LocalOss.Auth;
using LocalOss.Faults;
using LocalOss.Http;
using LocalOss.Notifications;
using LocalOss.Operations;
using LocalOss.Storage;
using LocalOss.Sts;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace LocalOss;

/// <summary>
/// An OSS-compatible HTTP server on 127.0.0.1, for local runs and tests (what Azurite is for Azure Storage).
/// </summary>
/// <example>
/// <code>
/// await using var server = await LocalOssServer.StartAsync(new LocalOssOptions { Port = 0 }, ct);
/// var endpoint = server.BaseAddress; // http://127.0.0.1:PORT
/// </code>
/// </example>
public sealed class LocalOssServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly MetadataStore _store;
    private int _disposed;
    private LocalOssNotifications? _notifications;

    private LocalOssServer(WebApplication app, MetadataStore store, LocalOssOptions options, RequestCounters counters, FaultInjector faults, Uri baseAddress)
    {
        _app = app;
        _store = store;
        Options = options;
        Counters = counters;
        Faults = faults;
        BaseAddress = baseAddress;
    }

    /// <summary><c>http://127.0.0.1:PORT</c> (no trailing slash).</summary>
    public Uri BaseAddress { get; }

    /// <summary>The port actually bound (useful with <see cref="LocalOssOptions.Port"/> = 0).</summary>
    public int Port => BaseAddress.Port;

    public LocalOssOptions Options { get; }

    /// <summary>Requests per operation name, resettable.</summary>
    public RequestCounters Counters { get; }

    /// <summary>Fault rules in force; change them at any time.</summary>
    public FaultInjector Faults { get; }

    /// <summary>The request-rate limits in force (README: Scale); change them at any time.</summary>
    public Throttling.RequestThrottle Throttle { get; private init; } = null!;

    internal MetadataStore Store => _store;

    /// <summary>Where the MNS development signing certificate is served (<see cref="LocalOssNotifyFormat.Mns"/>); null otherwise.</summary>
    public Uri? MnsCertificateUrl => _notifications?.CertificateUrl;

    /// <summary>Event notifications the endpoint accepted so far.</summary>
    public long NotificationsDelivered => _notifications?.Sender.Delivered ?? 0;

    /// <summary>Event notifications given up on so far (queue full, refused, or failing after every try).</summary>
    public long NotificationsDropped => _notifications?.Sender.Dropped ?? 0;

    /// <summary>How many distinct data blobs are stored (copies add none: they reference the source's).</summary>
    public int StoredBlobCount => _store.Blobs.Enumerate().Count;

    /// <summary>Validates <paramref name="options"/>, opens the store, binds 127.0.0.1 and starts serving.</summary>
    public static Task<LocalOssServer> StartAsync(LocalOssOptions options, CancellationToken cancellationToken = default) =>
        StartAsync(options, configureLogging: null, cancellationToken);

    /// <summary>As <see cref="StartAsync(LocalOssOptions, CancellationToken)"/>, with log providers of the caller's choice (none by default).</summary>
    public static async Task<LocalOssServer> StartAsync(LocalOssOptions options, Action<ILoggingBuilder>? configureLogging,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();

        BlobStore blobs = options.DataDirectory is null
            ? new MemoryBlobStore()
            : new FileBlobStore(Path.GetFullPath(options.DataDirectory), options.DurableWrites);
        var store = MetadataStore.Open(options.DataDirectory is null ? null : Path.GetFullPath(options.DataDirectory), blobs, options.DurableWrites);
        try
        {
            store.SweepOrphanBlobs();
            var time = TimeProvider.System;
            var accounts = options.EffectiveAccounts;
            var counters = new RequestCounters();
            var faults = new FaultInjector(options.Faults);
            var temporaryCredentials = new TemporaryCredentialStore(time, OssService.DefaultOwner(accounts[0]));
            var authenticator = new RequestAuthenticator(accounts, options.MaxClockSkew, time, temporaryCredentials.Find);
            var service = new OssService(store, options, time, authenticator);
            await service.SeedBucketsAsync(options.InitialBuckets, OssService.DefaultOwner(accounts[0]), cancellationToken).ConfigureAwait(false);

            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
            {
                ApplicationName = typeof(LocalOssServer).Assembly.GetName().Name,
                ContentRootPath = AppContext.BaseDirectory,
                Args = [],
            });
            builder.Logging.ClearProviders();
            configureLogging?.Invoke(builder.Logging);
            builder.WebHost.ConfigureKestrel(kestrel =>
            {
                // Loopback only: LocalOss is a development server and must never be reachable from elsewhere.
                kestrel.Listen(IPAddress.Loopback, options.Port);
                kestrel.AddServerHeader = false;
                // Objects of any size (1 GiB and more) are streamed; OSS itself has no request body limit below 5 GiB.
                kestrel.Limits.MaxRequestBodySize = null;
                kestrel.Limits.MinRequestBodyDataRate = null;
                // A 1023-byte key percent-encoded three times over, plus a presigned query, must still fit.
                kestrel.Limits.MaxRequestLineSize = 64 * 1024;
                kestrel.Limits.MaxRequestHeadersTotalSize = 128 * 1024;
                // ali-oss and the SDKs send user metadata as raw UTF-8 bytes (and sign those bytes); OSS echoes them.
                kestrel.RequestHeaderEncodingSelector = _ => System.Text.Encoding.UTF8;
                kestrel.ResponseHeaderEncodingSelector = _ => System.Text.Encoding.UTF8;
            });

            var app = builder.Build();
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("LocalOss");
            var baseHosts = options.BaseHosts.Select(h => h.ToLowerInvariant()).Append("localhost").Distinct(StringComparer.Ordinal).ToList();
            var cnames = options.Cnames.ToDictionary(c => c.Key.ToLowerInvariant(), c => c.Value, StringComparer.Ordinal);
            var throttle = new Throttling.RequestThrottle(options.Throttling, time);
            var notifications = LocalOssNotifications.Create(options, store, time, app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("LocalOss.Notifications"));
            var handler = new OssHandler(service, authenticator, counters, faults, baseHosts, cnames, time, logger)
            {
                Throttle = throttle,
                Latency = new Throttling.LatencySimulator(options.Latency, time),
                Notifications = notifications?.Recorder,
            };
            var admin = new AdminEndpoint(counters, faults) { Throttle = throttle };
            var sts = new StsEndpoint(options.Sts, temporaryCredentials, counters, time, logger);
            app.Run(http => notifications is not null && LocalOssNotifications.Handles(http) ? notifications.ServeCertificateAsync(http)
                : http.Request.Path.StartsWithSegments(AdminEndpoint.Prefix, StringComparison.Ordinal)
                ? admin.HandleAsync(http)
                : StsEndpoint.Handles(http) ? sts.HandleAsync(http) : handler.HandleAsync(http));

            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var port = new Uri(address).Port;
            var server = new LocalOssServer(app, store, options, counters, faults, new Uri($"http://127.0.0.1:{port}")) { Throttle = throttle };
            if (notifications is not null)
            {
                notifications.Started(server.BaseAddress);
                server._notifications = notifications;
            }

            return server;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>Completes when the host is asked to stop (Ctrl+C in the command-line run).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        if (_notifications is not null)
        {
            await _notifications.DisposeAsync().ConfigureAwait(false);
        }

        _store.Dispose();
    }
}
