using OssCopy.AzureStorage.Tests;
using System.Net.Http.Headers;
using System.Text.Json;
using Azure.Storage.Queues;
using LocalOss;
using OssCopy.Functions.ProcessTests.Host;
using OssCopy.Functions.ProcessTests.Protocol;
using OssCopy.Functions.ProcessTests.Support;
using OssCopy.Oss;
using OssCopy.Oss.Credentials;
using OssCopy.Oss.Models;

namespace OssCopy.Functions.ProcessTests.AsyncCopy;

/// <summary>
/// The built app as a worker process with a storage account (an Azurite of its own, started and stopped by its PID)
/// and a 1 MiB multipart threshold, against an in-process LocalOss: for copies that go through the queue. The test
/// plays the host's queue listener: it receives each message of <c>osscopy-copy-requests</c> from Azurite and
/// invokes the worker's queue function with it, deleting it when the invocation succeeds.
/// </summary>
public sealed class AsyncCopyWorkerFixture : IAsyncLifetime
{
    public const string Queue = "osscopy-copy-requests";

    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly AzuriteFixture _azurite = new();
    private FunctionsTestHost? _host;

    public LocalOssServer Oss { get; private set; } = null!;

    public IOssClient Admin { get; private set; } = null!;

    public FunctionsTestHost Host => _host ?? throw new InvalidOperationException("The worker did not start.");

    public HttpInvoker Http { get; private set; } = null!;

    public QueueClient CopyRequests { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        try
        {
            await _azurite.InitializeAsync();
            var connection = _azurite.ConnectionString;
            CopyRequests = new QueueClient(connection, Queue, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
            var options = new LocalOssOptions { Port = 0, DataDirectory = null, RestoreDelay = TimeSpan.Zero };
            options.Accounts.Add(new LocalOssAccount { AccessKeyId = WorkerAppFixture.AccessKeyId, AccessKeySecret = WorkerAppFixture.AccessKeySecret });
            Oss = await LocalOssServer.StartAsync(options);
            Admin = OssClient.Create(new OssClientOptions { Region = "cn-hangzhou", Endpoint = Oss.BaseAddress.ToString(), UsePathStyle = true, MaxRetries = 0 },
                new StaticCredentialsProvider(new OssCredentials(WorkerAppFixture.AccessKeyId, WorkerAppFixture.AccessKeySecret)));
            foreach (var bucket in new[] { WorkerAppFixture.SourceBucket, WorkerAppFixture.DestinationBucket, WorkerAppFixture.EventSourceBucket, WorkerAppFixture.EventDestinationBucket })
            {
                await Admin.PutBucketAsync(new PutBucketRequest { Bucket = bucket });
            }

            var settings = WorkerAppFixture.Settings(Oss.BaseAddress);
            settings["AzureWebJobsStorage"] = connection;
            settings["CopyEngine:MultipartThreshold"] = "1048576";
            settings["CopyEngine:PartSize"] = "262144";
            _host = await FunctionsTestHost.StartAsync(Repository.FunctionsOutput, settings);
            await _host.InitializeAsync(Repository.FunctionsOutput);
            Http = new HttpInvoker(_host);
        }
        catch
        {
            // xunit does not dispose a fixture whose start failed: stop what was started (by PID) here.
            await DisposeAsync();
            throw;
        }
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

        await _azurite.DisposeAsync();
    }

    /// <summary>
    /// Hands every visible message of the copy-requests queue to the worker's <c>CopyRequests</c> function, as the host's
    /// listener does (the text Base64-decoded, the message's properties as trigger metadata); returns the invocations.
    /// </summary>
    public async Task<IReadOnlyList<InvocationResponse>> DrainAsync()
    {
        var function = Host.Function("CopyRequests");
        var invocations = new List<InvocationResponse>();
        while (true)
        {
            var messages = (await CopyRequests.ReceiveMessagesAsync(16, TimeSpan.FromMinutes(1))).Value;
            if (messages.Length == 0)
            {
                return invocations;
            }

            foreach (var message in messages)
            {
                var properties = new QueueMessageProperties(message.MessageId, message.PopReceipt, message.DequeueCount, message.InsertedOn ?? DateTimeOffset.UtcNow,
                    message.ExpiresOn ?? DateTimeOffset.MaxValue, message.NextVisibleOn ?? DateTimeOffset.UtcNow);
                var response = await Host.InvokeAsync(TriggerInvocations.Queue(function, message.Body.ToString(), properties));
                invocations.Add(response);
                if (response.Result.Status == StatusResult.Types.Status.Success)
                {
                    await CopyRequests.DeleteMessageAsync(message.MessageId, message.PopReceipt);
                }
                else
                {
                    await CopyRequests.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero);
                }
            }
        }
    }

    /// <summary><c>GET {path}</c> through the worker, as the host proxies it: the invocation (route values as trigger metadata) and the request.</summary>
    public async Task<(int Status, JsonElement Json, HttpResponseHeaders Headers, InvocationResponse Invocation)> GetAsync(string functionName, string path,
        IReadOnlyDictionary<string, string> routeValues)
    {
        ArgumentNullException.ThrowIfNull(routeValues);
        var function = Host.Function(functionName);
        var invocationId = Guid.NewGuid().ToString();
        var url = new Uri(Host.HttpUri, path);
        var rpcHttp = new RpcHttp { Method = "GET", Url = url.ToString() };
        var invocation = new InvocationRequest { InvocationId = invocationId, FunctionId = function.FunctionId };
        invocation.InputData.Add(new ParameterBinding { Name = HttpInvoker.TriggerBinding(function, "httpTrigger"), Data = new TypedData { Http = rpcHttp } });
        invocation.TriggerMetadata["Headers"] = new TypedData { Json = "{}" };
        invocation.TriggerMetadata["Query"] = new TypedData { Json = "{}" };
        foreach (var (name, value) in routeValues)
        {
            invocation.TriggerMetadata[name] = new TypedData { String = value };
        }

        var answered = Host.InvokeAsync(invocation);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add(HttpInvoker.InvocationIdHeader, invocationId);
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();
        var invocationResponse = await answered.WaitAsync(TimeSpan.FromSeconds(30));
        var json = body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
        return ((int)response.StatusCode, json, response.Headers, invocationResponse);
    }
}
