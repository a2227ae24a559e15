using OssCopy.Cli;

// Parse → engine → print: everything else lives in CliApp so the tests drive exactly what users run.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl+C stops the run gracefully (checkpoint and report are written); a second one kills the process.
    e.Cancel = !cancel.IsCancellationRequested;
    cancel.Cancel();
};

return await new CliApp(CliEnvironment.FromConsole()).RunAsync(args, cancel.Token);
