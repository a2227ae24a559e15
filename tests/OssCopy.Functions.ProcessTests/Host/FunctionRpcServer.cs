using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace OssCopy.Functions.ProcessTests.Host;

/// <summary>
/// The host's gRPC endpoint: <c>FunctionRpc.EventStream</c> over HTTP/2 without TLS on a free loopback port, the way
/// the Functions host listens for its language workers. Each worker that connects becomes a <see cref="WorkerChannel"/>.
/// </summary>
public sealed class FunctionRpcServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FunctionRpcServer(WebApplication app, WorkerChannels channels, Uri address)
    {
        _app = app;
        Channels = channels;
        Address = address;
    }

    /// <summary>The URI handed to the worker (<c>--functions-uri</c>).</summary>
    public Uri Address { get; }

    public WorkerChannels Channels { get; }

    public static async Task<FunctionRpcServer> StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        var channels = new WorkerChannels();
        builder.Services.AddSingleton(channels);
        // The worker's messages (function metadata, logs) stay far below this; the host allows int.MaxValue.
        builder.Services.AddGrpc(options => options.MaxReceiveMessageSize = null);
        var app = builder.Build();
        app.MapGrpcService<FunctionRpcService>();
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new FunctionRpcServer(app, channels, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        Channels.CompleteAll();
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(stopping.Token);
        await _app.DisposeAsync();
    }
}
