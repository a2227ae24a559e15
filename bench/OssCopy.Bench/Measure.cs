using System.Diagnostics;

namespace OssCopy.Bench;

internal static class Measure
{
    /// <summary>
    /// The fastest of <paramref name="repetitions"/> timed runs after one untimed run: the minimum is the
    /// figure least disturbed by other work on a shared machine.
    /// </summary>
    internal static TimeSpan Best(Action action, int repetitions)
    {
        action();
        var best = TimeSpan.MaxValue;
        for (var i = 0; i < repetitions; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            action();
            stopwatch.Stop();
            if (stopwatch.Elapsed < best)
            {
                best = stopwatch.Elapsed;
            }
        }

        return best;
    }

    /// <summary>
    /// Calls <paramref name="action"/> often enough for tiered compilation to replace its code with the fully
    /// optimized version the application will run, then gives the background compiler time to finish.
    /// </summary>
    internal static void PromoteToOptimizedCode(Action action)
    {
        for (var i = 0; i < 60; i++)
        {
            action();
        }

        Thread.Sleep(300);
        for (var i = 0; i < 60; i++)
        {
            action();
        }
    }

    internal static double GigabytesPerSecond(long bytes, TimeSpan elapsed) => bytes / elapsed.TotalSeconds / 1e9;
}
