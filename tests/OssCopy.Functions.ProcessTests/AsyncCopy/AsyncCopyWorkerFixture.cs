using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
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

    private readonly StringBuilder _azuriteOutput = new();
    private Process? _azurite;
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
            var connection = await StartAzuriteAsync();
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

        if (_azurite is not null)
        {
            using (_azurite)
            {
                if (!_azurite.HasExited)
                {
                    _azurite.Kill(entireProcessTree: false);
                    await _azurite.WaitForExitAsync();
                }
            }

            _azurite = null;
        }
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

    private async Task<string> StartAzuriteAsync()
    {
        var folder = Path.Combine(Repository.Root, "tests", "azurite");
        var script = Path.Combine(folder, "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"Azurite is not installed: run `npm ci` in {folder} (scripts/test does), then run the tests again.");
        }

        var (blob, queue, table) = (FreePort(), FreePort(), FreePort());
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = folder };
        foreach (var argument in new[]
        {
            script, "--silent", "--inMemoryPersistence", "--skipApiVersionCheck", "--disableProductStyleUrl",
            "--blobHost", "127.0.0.1", "--blobPort", Invariant(blob), "--queueHost", "127.0.0.1", "--queuePort", Invariant(queue),
            "--tableHost", "127.0.0.1", "--tablePort", Invariant(table),
        })
        {
            start.ArgumentList.Add(argument);
        }

        _azurite = Process.Start(start) ?? throw new InvalidOperationException("node did not start (is Node 20 on PATH?).");
        _azurite.OutputDataReceived += (_, e) => Append(e.Data);
        _azurite.ErrorDataReceived += (_, e) => Append(e.Data);
        _azurite.BeginOutputReadLine();
        _azurite.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await AnswersAsync(blob) || !await AnswersAsync(queue) || !await AnswersAsync(table))
        {
            if (_azurite.HasExited || DateTime.UtcNow > deadline)
            {
                string output;
                lock (_azuriteOutput)
                {
                    output = _azuriteOutput.ToString();
                }

                throw new InvalidOperationException($"Azurite (pid {_azurite.Id}) did not start. Its output:\n{output}");
            }

            await Task.Delay(200);
        }

        return "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + AccountKey + ";" +
            $"BlobEndpoint=http://127.0.0.1:{blob}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{queue}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{table}/devstoreaccount1;";
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_azuriteOutput)
            {
                _azuriteOutput.AppendLine(line);
            }
        }
    }

    private static string Invariant(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<bool> AnswersAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
