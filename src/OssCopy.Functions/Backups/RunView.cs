using OssCopy.AzureStorage;
using OssCopy.Core.Backup;

namespace OssCopy.Functions.Backups;

/// <summary>A run as the API shows it: status, counts, bytes, rates, where it is, and its report once it has one.</summary>
public sealed record RunView
{
    public required string Plan { get; init; }

    public required string RunId { get; init; }

    public required RunStatus Status { get; init; }

    /// <summary>This run's own address (<c>/api/backups/{plan}/runs/{runId}</c>).</summary>
    public required string Location { get; init; }

    public DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public DateTimeOffset HeartbeatAt { get; init; }

    public int Takeovers { get; init; }

    public required RunProgressView Progress { get; init; }

    public required ReportTotals Totals { get; init; }

    public string? Error { get; init; }

    /// <summary>The report blob, once the run completed (null before).</summary>
    public ReportLink? Report { get; init; }

    public static RunView From(RunRecord run, DateTimeOffset now, BlobReportStore reports, string reportsContainer)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(reports);
        var progress = run.Progress(now);
        return new RunView
        {
            Plan = run.Plan,
            RunId = run.RunId,
            Status = run.Status,
            Location = BackupsFunction.RunLocation(run.Plan, run.RunId),
            StartedAt = run.StartedAt,
            FinishedAt = run.FinishedAt,
            HeartbeatAt = run.HeartbeatAt,
            Takeovers = run.Takeovers,
            Progress = new RunProgressView
            {
                Listed = progress.Listed,
                Enqueued = progress.Enqueued,
                Done = progress.Done,
                Copied = progress.Copied,
                CopiedBytes = progress.CopiedBytes,
                Failed = progress.Failed,
                BatchesEnqueued = progress.BatchesEnqueued,
                BatchesCompleted = progress.BatchesCompleted,
                ElapsedSeconds = Math.Round(progress.Elapsed.TotalSeconds, 3),
                ObjectsPerSecond = Math.Round(progress.ObjectsPerSecond, 3),
                BytesPerSecond = Math.Round(progress.BytesPerSecond, 1),
            },
            Totals = run.Totals,
            Error = run.Error,
            Report = run.Status == RunStatus.Completed
                ? new ReportLink(reportsContainer, BlobReportStore.BlobName(run.Plan, run.RunId), reports.ReportUri(run.Plan, run.RunId).ToString())
                : null,
        };
    }
}

public sealed record RunProgressView
{
    public long Listed { get; init; }

    public long Enqueued { get; init; }

    /// <summary>Objects with an outcome (copied, unchanged, failed, changed while copied).</summary>
    public long Done { get; init; }

    public long Copied { get; init; }

    public long CopiedBytes { get; init; }

    public long Failed { get; init; }

    public long BatchesEnqueued { get; init; }

    public long BatchesCompleted { get; init; }

    public double ElapsedSeconds { get; init; }

    /// <summary>Average since the start (objects with an outcome per second).</summary>
    public double ObjectsPerSecond { get; init; }

    /// <summary>Average copied bytes per second since the start.</summary>
    public double BytesPerSecond { get; init; }
}

/// <summary>The report blob: container, blob name, and its URL (no SAS: reading it takes the storage account's own access).</summary>
public sealed record ReportLink(string Container, string Blob, string Url);

/// <summary>A plan in <c>GET /api/backups</c>: what it copies, its cron, and its last run.</summary>
public sealed record PlanView(string Name, string Source, string Destination, string? Schedule, string RunsLocation, RunView? LastRun);
