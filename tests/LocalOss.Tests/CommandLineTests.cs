using System.Diagnostics;

namespace LocalOss.Tests;

/// <summary>The <c>localoss</c> command line: a bad value is a usage error (exit 2, the option named), never a stack trace.</summary>
public sealed class CommandLineTests
{
    [Theory]
    [InlineData("--port", "abc")]
    [InlineData("--port", "99999999999")]
    [InlineData("--rate-account", "fast")]
    [InlineData("--latency", "soon")]
    [InlineData("--restore-delay", "")]
    public async Task A_value_that_does_not_parse_is_exit_2_naming_the_option(string option, string value)
    {
        var (exitCode, output, error) = await RunAsync(option, value, "--in-memory");

        Assert.True(exitCode == 2, $"exit {exitCode}: {output} {error}");
        Assert.StartsWith(option + ":", error, StringComparison.Ordinal);
        Assert.Contains("--help", error, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_option_without_its_value_is_exit_2_naming_it()
    {
        var (exitCode, _, error) = await RunAsync("--in-memory", "--port");

        Assert.Equal(2, exitCode);
        Assert.Contains("--port needs a value", error, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", error, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "LocalOss.dll"));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("localoss did not exit on a bad command line: " + await output);
        }

        return (process.ExitCode, await output, await error);
    }
}
