using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OssCopy.AzureStorage.Tests;

/// <summary>
/// One Azurite (tests/azurite, installed by <c>npm ci</c> there) for the whole assembly, on free loopback ports,
/// in memory. The node process is started directly (not through a shell or npx), so the PID recorded is Azurite's
/// own and disposing stops exactly that process.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly StringBuilder _output = new();
    private Process? _process;

    public int ProcessId { get; private set; }

    public string ConnectionString { get; private set; } = "";

    public int BlobPort { get; private set; }

    public int QueuePort { get; private set; }

    public int TablePort { get; private set; }

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

    public AzureStorageClients CreateClients() => AzureStorageClients.FromConnectionString(ConnectionString);

    public async Task InitializeAsync()
    {
        var folder = FindAzuriteFolder();
        var script = Path.Combine(folder, "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"Azurite is not installed: run `npm ci` in {folder} (scripts/test does), then run the tests again.");
        }

        (BlobPort, QueuePort, TablePort) = (FreePort(), FreePort(), FreePort());
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = folder,
        };
        foreach (var argument in new[]
        {
            script, "--silent", "--inMemoryPersistence", "--skipApiVersionCheck", "--disableProductStyleUrl",
            "--blobHost", "127.0.0.1", "--blobPort", BlobPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--queueHost", "127.0.0.1", "--queuePort", QueuePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tableHost", "127.0.0.1", "--tablePort", TablePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
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
            $"BlobEndpoint=http://127.0.0.1:{BlobPort}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{QueuePort}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{TablePort}/devstoreaccount1;";

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await AnswersAsync(BlobPort) || !await AnswersAsync(QueuePort) || !await AnswersAsync(TablePort))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                var why = _process.HasExited ? $"exited with {_process.ExitCode}" : "did not answer within 60 s";
                await DisposeAsync();
                throw new InvalidOperationException($"Azurite (pid {ProcessId}) {why}. Its output:\n{Output}");
            }

            await Task.Delay(200);
        }
    }

    public async Task DisposeAsync()
    {
        if (_process is null)
        {
            return;
        }

        using (_process)
        {
            if (!_process.HasExited)
            {
                // Process.Kill targets this process's PID only (entireProcessTree: false): Azurite has no children.
                _process.Kill(entireProcessTree: false);
                await _process.WaitForExitAsync();
            }
        }

        _process = null;
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
        // The port is free when we let go of it; another process could take it before Azurite does, which the
        // start-up check then reports with Azurite's output.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string FindAzuriteFolder()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "tests", "azurite");
            if (File.Exists(Path.Combine(candidate, "package.json")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("tests/azurite/package.json not found above " + AppContext.BaseDirectory + ".");
    }
}

[CollectionDefinition(Name)]
public sealed class AzuriteTests : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}

/// <summary>Each test its own queues, tables and containers, so tests never see each other's data.</summary>
internal static class TestNames
{
    public static AzureStorageOptions UniqueOptions(Action<AzureStorageOptions>? change = null)
    {
        var id = Guid.NewGuid().ToString("N")[..10];
        var options = new AzureStorageOptions
        {
            ListQueue = "list-" + id,
            CopyQueue = "copy-" + id,
            RunsTable = "runs" + id,
            OutcomesTable = "outcomes" + id,
            ReportsContainer = "reports-" + id,
            StateContainer = "state-" + id,
        };
        change?.Invoke(options);
        options.Validate();
        return options;
    }
}
