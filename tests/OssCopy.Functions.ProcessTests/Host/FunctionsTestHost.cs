using System.Collections.Concurrent;
using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using OssCopy.Functions.ProcessTests.Protocol;

namespace OssCopy.Functions.ProcessTests.Host;

/// <summary>
/// Plays the Functions host for one worker process, in the order the host drives a .NET isolated worker: start the
/// gRPC endpoint and the worker; wait for <c>StartStream</c>; send <c>WorkerInitRequest</c> and read the worker's
/// capabilities (its <c>HttpUri</c>); ask for the functions' metadata (worker indexing); load each function; then
/// invoke them. Any failure on the way reports the worker's own output.
/// </summary>
public sealed class FunctionsTestHost : IAsyncDisposable
{
    public const string HttpUriCapability = "HttpUri";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly FunctionRpcServer _server;
    private readonly WorkerProcess _worker;
    private WorkerChannel? _channel;
    private IReadOnlyList<RpcFunctionMetadata> _functions = [];

    private FunctionsTestHost(FunctionRpcServer server, WorkerProcess worker)
    {
        _server = server;
        _worker = worker;
    }

    public WorkerProcess Worker => _worker;

    public WorkerChannel Channel => _channel ?? throw new InvalidOperationException("The worker has not connected.");

    /// <summary>The capabilities the worker announced in <c>WorkerInitResponse</c>.</summary>
    public IReadOnlyDictionary<string, string> Capabilities { get; private set; } = new Dictionary<string, string>();

    /// <summary>The functions as the worker reported them (and as they were loaded).</summary>
    public IReadOnlyList<RpcFunctionMetadata> Functions => _functions;

    /// <summary>The worker's own HTTP server (ASP.NET Core integration), from its <c>HttpUri</c> capability.</summary>
    public Uri HttpUri => Capabilities.TryGetValue(HttpUriCapability, out var uri) ? new Uri(uri)
        : throw new InvalidOperationException($"The worker announced no {HttpUriCapability} capability: {string.Join(", ", Capabilities.Keys)}");

    public IEnumerable<RpcLog> Logs => Channel.Logs;

    /// <summary>Starts the gRPC endpoint and the worker process; <see cref="InitializeAsync"/> then drives it.</summary>
    public static async Task<FunctionsTestHost> StartAsync(string appDirectory, IReadOnlyDictionary<string, string?> settings, CancellationToken cancellationToken = default)
    {
        var server = await FunctionRpcServer.StartAsync(cancellationToken);
        try
        {
            return new FunctionsTestHost(server, WorkerProcess.Start(appDirectory, server.Address, settings));
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>The host's start-up conversation with the worker, up to every function loaded.</summary>
    public async Task InitializeAsync(string appDirectory, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StartTimeout);
        _channel = await WhileRunningAsync(_server.Channels.ConnectedAsync(_worker.WorkerId, timeout.Token), "connect (StartStream)");

        var init = await RequestAsync(new StreamingMessage
        {
            WorkerInitRequest = new WorkerInitRequest { HostVersion = "4.0.0-osscopy-test-host", FunctionAppDirectory = appDirectory, WorkerDirectory = appDirectory },
        }, StreamingMessage.ContentOneofCase.WorkerInitResponse, timeout.Token);
        EnsureSuccess(init.WorkerInitResponse.Result, "WorkerInitRequest");
        Capabilities = new Dictionary<string, string>(init.WorkerInitResponse.Capabilities);

        var metadata = await RequestAsync(new StreamingMessage { FunctionsMetadataRequest = new FunctionsMetadataRequest { FunctionAppDirectory = appDirectory } },
            StreamingMessage.ContentOneofCase.FunctionMetadataResponse, timeout.Token);
        EnsureSuccess(metadata.FunctionMetadataResponse.Result, "FunctionsMetadataRequest");
        _functions = [.. metadata.FunctionMetadataResponse.FunctionMetadataResults];

        foreach (var function in _functions)
        {
            var loaded = await RequestAsync(new StreamingMessage { FunctionLoadRequest = new FunctionLoadRequest { FunctionId = function.FunctionId, Metadata = function } },
                StreamingMessage.ContentOneofCase.FunctionLoadResponse, timeout.Token, m => m.FunctionLoadResponse.FunctionId == function.FunctionId);
            EnsureSuccess(loaded.FunctionLoadResponse.Result, $"FunctionLoadRequest {function.Name}");
        }

        if (Capabilities.ContainsKey(HttpUriCapability))
        {
            await WhileRunningAsync(WaitForHttpServerAsync(HttpUri, timeout.Token), "the worker's HTTP server to listen");
        }
    }

    // The worker announces its HTTP URI in WorkerInitResponse, possibly before Kestrel listens on it (seen in CI as a
    // refused first request): the test host is ready to forward HTTP only once the port accepts connections.
    private static async Task<bool> WaitForHttpServerAsync(Uri uri, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                using var probe = new System.Net.Sockets.TcpClient();
                await probe.ConnectAsync(uri.Host, uri.Port, cancellationToken);
                return true;
            }
            catch (System.Net.Sockets.SocketException)
            {
                await Task.Delay(50, cancellationToken);
            }
        }
    }

    public RpcFunctionMetadata Function(string name) => _functions.SingleOrDefault(f => f.Name == name)
        ?? throw new InvalidOperationException($"The worker reported no function {name}; it has {string.Join(", ", _functions.Select(f => f.Name))}.");

    /// <summary>Sends an invocation and waits for the worker's answer to it.</summary>
    public async Task<InvocationResponse> InvokeAsync(InvocationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        // The host always sends a trace context (the worker reads it for every invocation): a new W3C trace here.
        request.TraceContext ??= new RpcTraceContext
        {
            TraceParent = $"00-{ActivityTraceId.CreateRandom()}-{ActivitySpanId.CreateRandom()}-00",
            TraceState = string.Empty,
        };
        var response = await RequestAsync(new StreamingMessage { InvocationRequest = request }, StreamingMessage.ContentOneofCase.InvocationResponse, cancellationToken,
            m => m.InvocationResponse.InvocationId == request.InvocationId);
        return response.InvocationResponse;
    }

    /// <summary>What the worker has written so far, for assertion messages.</summary>
    public string Describe() =>
        $"Worker pid {_worker.ProcessId}{(_worker.HasExited ? $" exited with {_worker.ExitCode}" : " running")}. Output:\n{_worker.Output}\nRpcLog:\n" +
        string.Join("\n", (_channel?.Logs ?? new ConcurrentQueue<RpcLog>()).Select(l => $"{l.Level} {l.Category}: {l.Message} {l.Exception?.Message}"));

    public async ValueTask DisposeAsync()
    {
        if (_channel is not null && !_worker.HasExited)
        {
            // The host's goodbye; the worker is stopped by its PID right after in any case.
            try
            {
                await _channel.SendAsync(new StreamingMessage { WorkerTerminate = new WorkerTerminate { GracePeriod = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)) } },
                    CancellationToken.None);
            }
            catch (InvalidOperationException)
            {
                // The stream already ended.
            }
        }

        await _worker.DisposeAsync();
        await _server.DisposeAsync();
    }

    private async Task<StreamingMessage> RequestAsync(StreamingMessage request, StreamingMessage.ContentOneofCase answer, CancellationToken cancellationToken,
        Func<StreamingMessage, bool>? matches = null)
    {
        request.RequestId = Guid.NewGuid().ToString();
        var reply = Channel.ReceiveAsync(m => m.ContentCase == answer && (matches?.Invoke(m) ?? true), cancellationToken);
        await Channel.SendAsync(request, cancellationToken);
        return await WhileRunningAsync(reply, answer.ToString());
    }

    /// <summary>Awaits <paramref name="step"/> unless the worker exits first; either failure carries the worker's output.</summary>
    private async Task<T> WhileRunningAsync<T>(Task<T> step, string what)
    {
        var exited = _worker.WaitForExitAsync(Timeout.InfiniteTimeSpan);
        var first = await Task.WhenAny(step, exited);
        if (first == step && step.IsCompletedSuccessfully)
        {
            return step.Result;
        }

        if (first != step)
        {
            // Give the reader a moment to collect the last lines the worker printed before exiting.
            await Task.Delay(200);
            throw new WorkerFailedException($"The worker exited before {what}. {Describe()}");
        }

        throw new WorkerFailedException($"The host's {what} step failed: {step.Exception?.GetBaseException().Message}. {Describe()}", step.Exception);
    }

    private void EnsureSuccess(StatusResult? result, string what)
    {
        if (result?.Status != StatusResult.Types.Status.Success)
        {
            throw new WorkerFailedException($"The worker answered {what} with {result?.Status}: {result?.Exception?.Message} {result?.Result}. {Describe()}");
        }
    }
}

/// <summary>The worker did not do what the host asked; the message carries its output and logs.</summary>
public sealed class WorkerFailedException : Exception
{
    public WorkerFailedException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }

    public WorkerFailedException()
    {
    }

    public WorkerFailedException(string message)
        : base(message)
    {
    }
}
