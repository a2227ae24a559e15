using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace OssCopy.Reliability.Tests.Support;

/// <summary>
/// A built program of this repository (osscopy.dll, LocalOss.dll, copied beside the tests) run as its own process,
/// its output kept, and killed with SIGKILL (<see cref="Process.Kill(bool)"/>: no shutdown code runs, as in a crash).
/// Disposing kills it if it still runs, by its own PID only.
/// </summary>
internal sealed partial class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<string> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ChildProcess(Process process)
    {
        _process = process;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

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

    public static ChildProcess Start(string assembly, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, assembly));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        var child = new ChildProcess(Process.Start(info) ?? throw new InvalidOperationException($"dotnet {assembly} did not start."));
        child._process.OutputDataReceived += (_, e) => child.Append(e.Data);
        child._process.ErrorDataReceived += (_, e) => child.Append(e.Data);
        child._process.BeginOutputReadLine();
        child._process.BeginErrorReadLine();
        return child;
    }

    /// <summary>A LocalOss process on a free port over <paramref name="dataDirectory"/>, once it listens.</summary>
    public static async Task<(ChildProcess Process, Uri BaseAddress)> StartLocalOssAsync(string dataDirectory)
    {
        var child = Start("LocalOss.dll", ["--port", "0", "--data", dataDirectory, "--account", $"{SecretScan.AccessKeyId}:{SecretScan.AccessKeySecret}"]);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await using (timeout.Token.Register(() => child._listening.TrySetCanceled()))
        {
            try
            {
                return (child, new Uri(await child._listening.Task));
            }
            catch (TaskCanceledException)
            {
                var output = child.Output;
                child.Dispose();
                throw new InvalidOperationException("LocalOss did not listen within 90 s: " + output);
            }
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"pid {Id} did not exit within {timeout}; output:\n{Output}");
        }

        _process.WaitForExit(); // the redirected output is complete after this one
        return _process.ExitCode;
    }

    /// <summary>SIGKILL.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
            _process.WaitForExit();
        }
    }

    public void Dispose()
    {
        Kill();
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

        if (Listening().Match(line) is { Success: true } match)
        {
            _listening.TrySetResult(match.Groups[1].Value);
        }
    }

    [GeneratedRegex(@"listening on (http://127\.0\.0\.1:\d+)")]
    private static partial Regex Listening();
}
