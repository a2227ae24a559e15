using Microsoft.Extensions.Options;
using OssCopy.Core.Backup;
using OssCopy.Core.Copying;
using OssCopy.Core.State;

namespace OssCopy.Core.Tests.Support;

public static class Runners
{
    public static BackupRunner Create(InMemoryOss oss, ICopyStateStore? store = null, Action<BackupRunnerOptions>? configure = null,
        Action<CopyEngineOptions>? engine = null, TimeProvider? time = null)
    {
        var engineOptions = new CopyEngineOptions { MultipartThreshold = 1024 * 1024, PartSize = CopyEngineOptions.MinPartSize };
        engine?.Invoke(engineOptions);
        var options = new BackupRunnerOptions { ThrottleBackoff = TimeSpan.Zero, ListPageSize = 3 };
        configure?.Invoke(options);
        return new BackupRunner(oss.Client, Options.Create(engineOptions), Options.Create(options), store ?? NullCopyStateStore.Instance, timeProvider: time);
    }

    public static BackupPlan Plan(string name = "nightly", string sourcePrefix = "data/", string destinationPrefix = "backup/") => new()
    {
        Name = name,
        Source = new BucketLocation { Bucket = "src-bucket", Prefix = sourcePrefix },
        Destination = new BucketLocation { Bucket = "dst-bucket", Prefix = destinationPrefix },
    };

    /// <summary>Collects the report's entries in memory.</summary>
    public sealed class MemorySink : IReportSink
    {
        public List<ReportEntry> Entries { get; } = [];

        public CopyReport? Header { get; private set; }

        public CopyReport? Final { get; private set; }

        public ValueTask StartAsync(CopyReport header, CancellationToken cancellationToken)
        {
            Header = header;
            return ValueTask.CompletedTask;
        }

        public ValueTask WriteAsync(ReportEntry entry, CancellationToken cancellationToken)
        {
            lock (Entries)
            {
                Entries.Add(entry);
            }

            return ValueTask.CompletedTask;
        }

        public ValueTask CompleteAsync(CopyReport report, CancellationToken cancellationToken)
        {
            Final = report;
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
