using Azure.Storage.Queues;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OssCopy.AzureStorage;
using OssCopy.Functions.Copy;

namespace OssCopy.Functions.Tests.Support;

/// <summary>
/// Plays the Functions host's queue listener for <c>osscopy-copy-requests</c> on a real Azurite: receives each visible
/// message, calls the app's <see cref="CopyRequestsFunction"/> with its text, deletes it when the function succeeds,
/// makes it visible again when it throws, and after <see cref="MaxDequeueCount"/> failed deliveries moves it to the
/// poison queue and calls the poison function, as host.json's <c>maxDequeueCount</c> makes the host do.
/// </summary>
public sealed class CopyQueueDriver(string connectionString)
{
    public const int MaxDequeueCount = 5;

    private readonly AzureStorageClients _clients = AzureStorageClients.FromConnectionString(connectionString);

    public QueueClient Queue => _clients.Queues.GetQueueClient(AsyncCopyNames.Queue);

    public QueueClient PoisonQueue => _clients.Queues.GetQueueClient(AsyncCopyNames.PoisonQueue);

    /// <summary>Runs every visible message (and those its runs queue) through <paramref name="host"/>'s functions; returns how many deliveries were made.</summary>
    public async Task<int> DrainAsync(IHost host, CancellationToken cancellationToken = default)
    {
        await Queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await PoisonQueue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        var deliveries = 0;
        while (true)
        {
            var messages = (await Queue.ReceiveMessagesAsync(16, TimeSpan.FromMinutes(1), cancellationToken)).Value;
            if (messages.Length == 0)
            {
                break;
            }

            foreach (var message in messages)
            {
                deliveries++;
                try
                {
                    await RunAsync(host, message.Body.ToString(), poison: false, cancellationToken);
                    await Queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    if (message.DequeueCount >= MaxDequeueCount)
                    {
                        await PoisonQueue.SendMessageAsync(message.Body, cancellationToken: cancellationToken);
                        await Queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
                        await RunAsync(host, message.Body.ToString(), poison: true, cancellationToken);
                    }
                    else
                    {
                        await Queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero, cancellationToken: cancellationToken);
                    }
                }
            }
        }

        return deliveries;
    }

    /// <summary>One delivery of <paramref name="text"/> to the queue function (or the poison function), as the host makes it.</summary>
    public static async Task RunAsync(IHost host, string text, bool poison, CancellationToken cancellationToken = default)
    {
        using var scope = host.Services.CreateScope();
        var function = ActivatorUtilities.CreateInstance<CopyRequestsFunction>(scope.ServiceProvider);
        await (poison ? function.RunPoisonAsync(text, cancellationToken) : function.RunAsync(text, cancellationToken));
    }

    /// <summary><c>GET /api/copy/{id}</c> on <paramref name="host"/>, as the ASP.NET Core integration drives it.</summary>
    public static async Task<TestResponse> GetAsync(IHost host, string location)
    {
        using var scope = host.Services.CreateScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Request.Method = "GET";
        context.Request.Scheme = "https";
        context.Request.Host = new HostString("osscopy.azurewebsites.net");
        context.Request.Path = location;
        var response = new MemoryStream();
        context.Response.Body = response;
        var id = location[(location.LastIndexOf('/') + 1)..];
        var function = ActivatorUtilities.CreateInstance<CopyStatusFunction>(scope.ServiceProvider);
        var result = await function.RunAsync(context.Request, id);
        await result.ExecuteResultAsync(new ActionContext { HttpContext = context });
        return new TestResponse(context.Response.StatusCode, context.Response.ContentType, response.ToArray(),
            context.Response.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase));
    }
}
