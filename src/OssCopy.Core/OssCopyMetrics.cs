using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace OssCopy.Core;

/// <summary>
/// The engine's instruments, on the <see cref="MeterName"/> meter (the OSS client's own are on <c>OssCopy.Oss</c>,
/// see <c>OssClientMetrics</c>). Names and tags are stable: dashboards chart them.
/// </summary>
public static class OssCopyMetrics
{
    public const string MeterName = "OssCopy";

    /// <summary>Objects a plan dealt with that needed a copy, by <see cref="StatusTag"/> (the report action: Copied, Unchanged, Failed, SourceChanged, WouldCopy…).</summary>
    public const string Copies = "osscopy.copies";

    /// <summary>Bytes of the objects copied (unit By).</summary>
    public const string BytesCopied = "osscopy.copied.bytes";

    /// <summary>Objects whose copy failed or whose source changed while copied.</summary>
    public const string Failures = "osscopy.failures";

    /// <summary>Copies that OSS throttled to the end of the client's retries (each one lowers the concurrency).</summary>
    public const string Throttled = "osscopy.throttled";

    /// <summary>How long a plan run took (unit s), by <see cref="StatusTag"/> (Completed, Cancelled, Failed).</summary>
    public const string RunDuration = "osscopy.run.duration";

    public const string StatusTag = "osscopy.status";

    public const string PlanTag = "osscopy.plan";

    internal static readonly Meter Meter = new(MeterName);

    internal static readonly Counter<long> CopyCounter = Meter.CreateCounter<long>(Copies, "{object}", "Objects a plan dealt with that needed a copy.");

    internal static readonly Counter<long> BytesCounter = Meter.CreateCounter<long>(BytesCopied, "By", "Bytes of the objects copied.");

    internal static readonly Counter<long> FailureCounter = Meter.CreateCounter<long>(Failures, "{object}", "Objects whose copy failed.");

    internal static readonly Counter<long> ThrottledCounter = Meter.CreateCounter<long>(Throttled, "{copy}", "Copies OSS throttled past the client's retries.");

    internal static readonly Histogram<double> RunDurationHistogram = Meter.CreateHistogram<double>(RunDuration, "s", "How long a plan run took.");

    /// <remarks>The status is named only when someone listens: every object copied comes through here.</remarks>
    internal static void RecordOutcome(string plan, Backup.ReportAction status, long bytesCopied, bool failed)
    {
        if (CopyCounter.Enabled)
        {
            CopyCounter.Add(1, new TagList { { StatusTag, status.ToString() }, { PlanTag, plan } });
        }

        if (bytesCopied > 0 && BytesCounter.Enabled)
        {
            BytesCounter.Add(bytesCopied, new KeyValuePair<string, object?>(PlanTag, plan));
        }

        if (failed && FailureCounter.Enabled)
        {
            FailureCounter.Add(1, new KeyValuePair<string, object?>(PlanTag, plan));
        }
    }
}
