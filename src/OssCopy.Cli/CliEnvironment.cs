using OssCopy.Oss;
using OssCopy.Oss.Credentials;
using Spectre.Console;

namespace OssCopy.Cli;

/// <summary>What the CLI touches outside itself: output, environment variables and how it makes its OSS client.</summary>
public sealed class CliEnvironment
{
    public required TextWriter Out { get; init; }

    public required TextWriter Error { get; init; }

    /// <summary>The console for tables and progress (ANSI and live display only on a real terminal).</summary>
    public required IAnsiConsole Console { get; init; }

    /// <summary>True when output is a terminal: a live progress bar; otherwise plain periodic lines.</summary>
    public bool Interactive { get; init; }

    public Func<string, string?> GetVariable { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>Makes the OSS client; the handler, when given, goes between the client's retries and the socket.</summary>
    public Func<OssClientOptions, IOssCredentialsProvider, HttpMessageHandler?, IOssClient> CreateClient { get; init; } =
        (options, credentials, handler) => OssClient.Create(options, credentials, handler);

    /// <summary>How often the plain progress line is printed.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(2);

    public static CliEnvironment FromConsole()
    {
        var interactive = !System.Console.IsOutputRedirected;
        return new CliEnvironment
        {
            Out = System.Console.Out,
            Error = System.Console.Error,
            Interactive = interactive,
            Console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Out = new AnsiConsoleOutput(System.Console.Out),
                Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
                Interactive = interactive ? InteractionSupport.Detect : InteractionSupport.No,
            }),
        };
    }

    /// <summary>Plain text to the given writers (tests, redirected output).</summary>
    public static CliEnvironment ForWriters(TextWriter output, TextWriter error) => new()
    {
        Out = output,
        Error = error,
        Interactive = false,
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        }),
    };
}
