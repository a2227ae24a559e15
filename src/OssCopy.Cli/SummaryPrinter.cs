using System.Globalization;
using OssCopy.Core.Backup;
using Spectre.Console;

namespace OssCopy.Cli;

/// <summary>The table at the end of a backup, and the first failures with their OSS code and request id.</summary>
internal static class SummaryPrinter
{
    private const int FailuresShown = 10;

    public static void Print(IAnsiConsole console, CopyReport report, string? reportPath)
    {
        var t = report.Totals;
        var table = new Table().Title($"{Markup.Escape(report.Plan)}: {Markup.Escape(report.Source)} -> {Markup.Escape(report.Destination)}{(report.DryRun ? " (dry run)" : string.Empty)}")
            .AddColumn("").AddColumn(new TableColumn("objects").RightAligned()).AddColumn(new TableColumn("bytes").RightAligned());
        table.AddRow("listed", N(t.Listed), string.Empty);
        if (report.DryRun)
        {
            table.AddRow("would copy", N(t.WouldCopy), Sizes.Format(t.WouldCopyBytes));
            table.AddRow("requests to copy them (at least)", N(t.WouldCopyRequests), string.Empty);
        }
        else
        {
            table.AddRow("copied", N(t.Copied), Sizes.Format(t.CopiedBytes));
        }

        table.AddRow("unchanged", N(t.Unchanged), Sizes.Format(t.UnchangedBytes));
        table.AddRow("failed", N(t.Failed), string.Empty);
        table.AddRow("source changed during the run", N(t.SourceChanged), string.Empty);
        if (t.Restoring > 0)
        {
            table.AddRow("restoring (archived; run again once restored)", N(t.Restoring), string.Empty);
        }

        if (t.Skipped > 0)
        {
            table.AddRow("skipped (archived, not restored)", N(t.Skipped), string.Empty);
        }

        table.AddRow("excluded by patterns", N(t.Excluded), string.Empty);
        table.AddRow(report.RangesTrusted > 0 ? "only in the destination (kept; listed ranges only)" : "only in the destination (kept)", N(t.ExtraInDestination), string.Empty);
        table.AddRow("verification of each copy", report.Verification.ToString(), string.Empty);
        table.AddRow("key ranges in sync, destination not listed", $"{N(report.RangesTrusted)} of {N(report.RangesTrusted + report.RangesCompared)}", string.Empty);
        table.AddRow("requests sent", N(report.Requests.Values.Sum()), string.Empty);
        table.AddRow("duration", report.DurationSeconds.ToString("0.0 s", CultureInfo.InvariantCulture), string.Empty);
        table.AddRow("concurrency (final / lowest)", $"{N(report.FinalConcurrency)} / {N(report.LowestConcurrency)}", string.Empty);
        if (report.ResumedAfter is { } after)
        {
            table.AddRow("resumed after", Markup.Escape(after), string.Empty);
        }

        console.Write(table);
        foreach (var failure in report.Failures.Take(FailuresShown))
        {
            console.MarkupLine(Markup.Escape(
                $"{failure.Action}: {failure.Key}: {failure.ErrorCode} (HTTP {failure.StatusCode?.ToString(CultureInfo.InvariantCulture) ?? "-"}) {failure.ErrorMessage} RequestId: {failure.RequestId ?? "none"}"));
        }

        if (report.Failures.Count > FailuresShown)
        {
            console.MarkupLine(Markup.Escape($"... and {report.Failures.Count - FailuresShown} more failures (see the report)."));
        }

        if (reportPath is not null)
        {
            console.MarkupLine(Markup.Escape($"report: {reportPath}"));
        }
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
