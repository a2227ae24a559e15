using System.Globalization;
using OssCopy.Core.Backup;
using Spectre.Console;

namespace OssCopy.Cli;

/// <summary>
/// Shows a running backup: a live bar (bytes to copy, rate, ETA) on a terminal, or a plain line every few seconds
/// when output goes to a file or a pipe, where redrawing would only fill logs with control codes.
/// </summary>
internal sealed class ProgressDisplay(CliEnvironment env, BackupProgress progress, BackupPlan plan, bool dryRun)
{
    public async Task<CopyReport> RunAsync(Func<Task<CopyReport>> run)
    {
        if (env.Interactive)
        {
            return await env.Console.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask(Describe(), maxValue: 1);
                    var running = run();
                    while (!running.IsCompleted)
                    {
                        Update(task);
                        await Task.WhenAny(running, Task.Delay(200));
                    }

                    Update(task);
                    task.StopTask();
                    return await running;
                });
        }

        var started = DateTimeOffset.UtcNow;
        var job = run();
        while (!job.IsCompleted)
        {
            await Task.WhenAny(job, Task.Delay(env.ProgressInterval));
            if (!job.IsCompleted)
            {
                await env.Out.WriteLineAsync(PlainLine(DateTimeOffset.UtcNow - started));
            }
        }

        return await job;
    }

    private void Update(ProgressTask task)
    {
        task.MaxValue = Math.Max(1, progress.ToCopyBytes);
        task.Value = Math.Min(task.MaxValue, progress.FinishedBytes);
        task.Description = Describe();
    }

    private string Describe()
    {
        var verb = dryRun ? "would copy" : "copied";
        var done = dryRun ? progress.WouldCopy : progress.Copied;
        return $"{Markup.Escape(plan.Name)}: {verb} {done.ToString(CultureInfo.InvariantCulture)}/{progress.ToCopy.ToString(CultureInfo.InvariantCulture)}" +
               $"{(progress.ListingComplete ? string.Empty : "+")}, unchanged {progress.Unchanged.ToString(CultureInfo.InvariantCulture)}, " +
               $"failed {progress.Failed.ToString(CultureInfo.InvariantCulture)}, concurrency {progress.Concurrency.ToString(CultureInfo.InvariantCulture)}";
    }

    internal string PlainLine(TimeSpan elapsed)
    {
        var seconds = Math.Max(elapsed.TotalSeconds, 0.001);
        var rate = progress.FinishedBytes / seconds;
        var remaining = progress.ToCopyBytes - progress.FinishedBytes;
        var eta = progress.ListingComplete && rate > 0 ? TimeSpan.FromSeconds(remaining / rate).ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture) : "?";
        return string.Create(CultureInfo.InvariantCulture,
            $"[{elapsed:hh\\:mm\\:ss}] listed {progress.Listed}, {(dryRun ? "would copy" : "copied")} {(dryRun ? progress.WouldCopy : progress.Copied)}/{progress.ToCopy}" +
            $"{(progress.ListingComplete ? string.Empty : "+")} ({Sizes.Format(progress.FinishedBytes)} of {Sizes.Format(progress.ToCopyBytes)}), " +
            $"unchanged {progress.Unchanged}, failed {progress.Failed}, {Sizes.Format((long)rate)}/s, {progress.Done / seconds:0} objects/s, " +
            $"ETA {eta}, concurrency {progress.Concurrency}");
    }
}

internal static class Sizes
{
    public static string Format(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0 ? $"{bytes.ToString(CultureInfo.InvariantCulture)} B" : $"{value.ToString("0.0", CultureInfo.InvariantCulture)} {units[unit]}";
    }
}
