using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OssCopy.Functions.Events;

namespace OssCopy.Functions.Tests.Support;

/// <summary>
/// Stands in for the Functions host's HTTP front door: a loopback listener whose requests to <c>/api/events</c> run
/// <see cref="EventsFunction"/> of the DI-built app (a scope per request, the result executed on the real response),
/// as the other tests drive the app, but over real HTTP from a real sender.
/// </summary>
public sealed class FunctionForwarder : IAsyncDisposable
{
    private readonly WebApplication _listener;
    private int _requests;

    private FunctionForwarder(WebApplication listener)
    {
        _listener = listener;
    }

    /// <summary>The app the requests run on; set before the first request arrives.</summary>
    public IHost? App { get; set; }

    public Uri EventsUrl { get; private set; } = null!;

    public int Requests => _requests;

    public List<int> Statuses { get; } = [];

    public static async Task<FunctionForwarder> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var listener = builder.Build();
        var forwarder = new FunctionForwarder(listener);
        listener.Run(forwarder.RunAsync);
        await listener.StartAsync();
        var address = listener.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        forwarder.EventsUrl = new Uri(new Uri(address), "/api/events");
        return forwarder;
    }

    private async Task RunAsync(HttpContext http)
    {
        Interlocked.Increment(ref _requests);
        if (App is not { } app || http.Request.Path != "/api/events" || !HttpMethods.IsPost(http.Request.Method))
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        using var scope = app.Services.CreateScope();
        http.RequestServices = scope.ServiceProvider;
        var function = ActivatorUtilities.CreateInstance<EventsFunction>(scope.ServiceProvider);
        var result = await function.RunAsync(http.Request);
        await result.ExecuteResultAsync(new ActionContext { HttpContext = http });
        lock (Statuses)
        {
            Statuses.Add(http.Response.StatusCode);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _listener.StopAsync();
        await _listener.DisposeAsync();
    }
}
