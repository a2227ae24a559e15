using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace OssCopy.Functions.ProcessTests.Host;

/// <summary>
/// The app's build output run as the Functions host runs a .NET isolated worker: <c>dotnet OssCopy.Functions.dll</c>
/// with the host's command-line arguments (gRPC endpoint, worker id, request id, message size) and the app settings
/// as environment variables. Its stdout and stderr are kept for failure messages. Stopped by its own PID only.
/// </summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private int? _stoppedExitCode;

    private WorkerProcess(Process process, string workerId)
    {
        _process = process;
        WorkerId = workerId;
    }

    public string WorkerId { get; }

    public int ProcessId { get; private init; }

    public bool HasExited => _stoppedExitCode is not null || _process.HasExited;

    public int ExitCode => _stoppedExitCode ?? _process.ExitCode;

    /// <summary>Everything the worker wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts the worker. <paramref name="settings"/> are app settings (<c>Oss:Region</c> style): the host hands
    /// them to the worker as environment variables, where <c>:</c> is spelled <c>__</c>.
    /// </summary>
    public static WorkerProcess Start(string appDirectory, Uri hostEndpoint, IReadOnlyDictionary<string, string?> settings)
    {
        var assembly = Path.Combine(appDirectory, "OssCopy.Functions.dll");
        if (!File.Exists(assembly))
        {
            throw new FileNotFoundException($"The Functions app is not built at {assembly}: build src/OssCopy.Functions in this configuration first.");
        }

        var workerId = Guid.NewGuid().ToString();
        var requestId = Guid.NewGuid().ToString();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = appDirectory,
        };
        start.ArgumentList.Add(assembly);
        var maxMessageLength = int.MaxValue.ToString(CultureInfo.InvariantCulture);
        // Both spellings, as the host passes them: the worker 2.x reads --functions-*; older workers read the rest.
        foreach (var (name, value) in new[]
        {
            ("--host", hostEndpoint.Host), ("--port", hostEndpoint.Port.ToString(CultureInfo.InvariantCulture)),
            ("--workerId", workerId), ("--requestId", requestId), ("--grpcMaxMessageLength", maxMessageLength),
            ("--functions-uri", hostEndpoint.ToString()), ("--functions-worker-id", workerId),
            ("--functions-request-id", requestId), ("--functions-grpc-max-message-length", maxMessageLength),
        })
        {
            start.ArgumentList.Add(name);
            start.ArgumentList.Add(value);
        }

        // The test runner's own ASP.NET Core/.NET settings must not leak into the worker (its URLs, its environment).
        foreach (var inherited in start.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || k.StartsWith("DOTNET_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(inherited);
        }

        start.Environment["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated";
        start.Environment["AzureWebJobsScriptRoot"] = appDirectory;
        start.Environment["FUNCTIONS_APPLICATION_DIRECTORY"] = appDirectory;
        foreach (var (name, value) in settings)
        {
            start.Environment[name.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var worker = new WorkerProcess(process, workerId) { ProcessId = process.Id };
        process.OutputDataReceived += (_, e) => worker.Append(e.Data);
        process.ErrorDataReceived += (_, e) => worker.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>Waits for the worker to exit on its own; its exit code, or null if it was still running at the timeout.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancellation.Token);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stoppedExitCode is not null)
        {
            return;
        }

        if (!_process.HasExited)
        {
            // This PID only: the worker starts no children of its own.
            _process.Kill(entireProcessTree: false);
        }

        await _process.WaitForExitAsync();
        _stoppedExitCode = _process.ExitCode;
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
