using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OssCopy.Functions.Tests.Support;

/// <summary>
/// An Azurite (tests/azurite, installed by <c>npm ci</c> there) on free loopback ports, in memory, for one fixture:
/// the app's queue and table names are fixed (the queue triggers bind to them), so fixtures that run side by side
/// each get their own. The node process is started directly and stopped by its own PID.
/// </summary>
public sealed class AzuriteServer : IAsyncDisposable
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly StringBuilder _output = new();
    private Process? _process;

    private AzuriteServer()
    {
    }

    public int ProcessId { get; private set; }

    public string ConnectionString { get; private set; } = "";

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

    public static async Task<AzuriteServer> StartAsync()
    {
        var server = new AzuriteServer();
        try
        {
            await server.StartCoreAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private async Task StartCoreAsync()
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
            "--blobHost", "127.0.0.1", "--blobPort", Invariant(blob),
            "--queueHost", "127.0.0.1", "--queuePort", Invariant(queue),
            "--tableHost", "127.0.0.1", "--tablePort", Invariant(table),
        })
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("node did not start (is Node 20 on PATH?).");
        ProcessId = _process.Id;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        ConnectionString = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + AccountKey + ";" +
            $"BlobEndpoint=http://127.0.0.1:{blob}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{queue}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{table}/devstoreaccount1;";

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await AnswersAsync(blob) || !await AnswersAsync(queue) || !await AnswersAsync(table))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                var why = _process.HasExited ? $"exited with {_process.ExitCode}" : "did not answer within 60 s";
                throw new InvalidOperationException($"Azurite (pid {ProcessId}) {why}. Its output:\n{Output}");
            }

            await Task.Delay(200);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is null)
        {
            return;
        }

        using (_process)
        {
            if (!_process.HasExited)
            {
                // This PID only: Azurite has no children.
                _process.Kill(entireProcessTree: false);
                await _process.WaitForExitAsync();
            }
        }

        _process = null;
    }

    private static string Invariant(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

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
