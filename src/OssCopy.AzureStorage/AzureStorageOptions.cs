using System.Text.RegularExpressions;

namespace OssCopy.AzureStorage;

/// <summary>
/// Where the distributed run keeps its queues, tables and blobs, and how patient it is. The defaults are the names the
/// Functions app binds to; a test gives each test its own names so they never see each other's data.
/// </summary>
public sealed partial class AzureStorageOptions
{
    public const string SectionName = "OssCopy:AzureStorage";

    /// <summary>The configuration name of the storage connection, read as the Functions host reads <c>AzureWebJobsStorage</c>.</summary>
    public string Connection { get; set; } = "AzureWebJobsStorage";

    /// <summary>Listing steps: one message per key range and listing page.</summary>
    public string ListQueue { get; set; } = "osscopy-list";

    /// <summary>Copy batches.</summary>
    public string CopyQueue { get; set; } = "osscopy-copy";

    /// <summary>The Functions runtime moves a message that failed <see cref="MaxDequeueCount"/> times to <c>{queue}-poison</c>.</summary>
    public string CopyPoisonQueue => CopyQueue + "-poison";

    public string ListPoisonQueue => ListQueue + "-poison";

    public string RunsTable { get; set; } = "osscopyruns";

    public string OutcomesTable { get; set; } = "osscopyoutcomes";

    /// <summary>Holds <c>{plan}/{runId}.json</c>.</summary>
    public string ReportsContainer { get; set; } = "reports";

    /// <summary>Holds the blob <see cref="Core.State.ICopyStateStore"/>: checkpoints, sync manifests, lineage.</summary>
    public string StateContainer { get; set; } = "osscopy-state";

    /// <summary>A run whose heartbeat is older than this is taken over (the same run id resumed) by the next start.</summary>
    public TimeSpan StalePeriod { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>As the Functions host's <c>queues.maxDequeueCount</c> (default 5): after this many failed deliveries the message is poison.</summary>
    public int MaxDequeueCount { get; set; } = 5;

    /// <summary>Outcome partitions per run: writes spread over them, the key-ordered read merges them.</summary>
    public int OutcomeShards { get; set; } = 16;

    /// <summary>
    /// The largest Base64-encoded queue message the batch builder makes. The service's limit is 64 KiB; the margin
    /// leaves room for the envelope's growth and for proxies that count differently.
    /// </summary>
    public int MaxEncodedMessageBytes { get; set; } = 60 * 1024;

    /// <summary>How long a received message stays hidden while its handler runs; a worker that dies leaves it to reappear after this.</summary>
    public TimeSpan MessageVisibility { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long a worker's claim on a copy batch lasts without renewal (it renews every third of it while copying). A
    /// worker that dies leaves its batch to the next delivery after this.
    /// </summary>
    public TimeSpan BatchLease { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>At most this many objects per copy batch (fewer when their keys are long): one worker copies a batch.</summary>
    public int MaxItemsPerBatch { get; set; } = 200;

    /// <summary>Throws naming the setting that is wrong, so a misconfigured app fails at start and says why.</summary>
    public void Validate()
    {
        var section = SectionName + ":";
        RequireQueueName(ListQueue, section + nameof(ListQueue));
        RequireQueueName(CopyQueue, section + nameof(CopyQueue));
        RequireQueueName(CopyPoisonQueue, section + nameof(CopyQueue) + " (with -poison)");
        RequireQueueName(ListPoisonQueue, section + nameof(ListQueue) + " (with -poison)");
        RequireTableName(RunsTable, section + nameof(RunsTable));
        RequireTableName(OutcomesTable, section + nameof(OutcomesTable));
        RequireQueueName(ReportsContainer, section + nameof(ReportsContainer));
        RequireQueueName(StateContainer, section + nameof(StateContainer));
        if (string.IsNullOrWhiteSpace(Connection))
        {
            throw new InvalidOperationException($"{section}{nameof(Connection)} must name the storage connection setting (e.g. AzureWebJobsStorage).");
        }

        if (StalePeriod <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{section}{nameof(StalePeriod)} must be positive; it was {StalePeriod}.");
        }

        if (MaxDequeueCount is < 1 or > 100)
        {
            throw new InvalidOperationException($"{section}{nameof(MaxDequeueCount)} must be 1–100; it was {MaxDequeueCount}.");
        }

        if (OutcomeShards is < 1 or > 256)
        {
            throw new InvalidOperationException($"{section}{nameof(OutcomeShards)} must be 1–256; it was {OutcomeShards}.");
        }

        if (MessageVisibility < TimeSpan.FromSeconds(1) || MessageVisibility > TimeSpan.FromDays(7))
        {
            throw new InvalidOperationException($"{section}{nameof(MessageVisibility)} must be 1 s–7 days; it was {MessageVisibility}.");
        }

        if (BatchLease < TimeSpan.FromSeconds(1) || BatchLease > TimeSpan.FromHours(1))
        {
            throw new InvalidOperationException($"{section}{nameof(BatchLease)} must be 1 s–1 h; it was {BatchLease}.");
        }

        if (MaxItemsPerBatch is < 1 or > 10_000)
        {
            throw new InvalidOperationException($"{section}{nameof(MaxItemsPerBatch)} must be 1–10000; it was {MaxItemsPerBatch}.");
        }

        if (MaxEncodedMessageBytes is < 8 * 1024 or > 64 * 1024)
        {
            throw new InvalidOperationException($"{section}{nameof(MaxEncodedMessageBytes)} must be 8 KiB–64 KiB; it was {MaxEncodedMessageBytes}.");
        }
    }

    // Queue and container names share the rules: 3–63 lowercase letters, digits and single hyphens, starting with a letter or digit.
    private static void RequireQueueName(string value, string setting)
    {
        if (value is null || !QueueName().IsMatch(value) || value.Contains("--", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{setting} must be 3–63 lowercase letters, digits and single hyphens; it was '{value}'.");
        }
    }

    private static void RequireTableName(string value, string setting)
    {
        if (value is null || !TableName().IsMatch(value))
        {
            throw new InvalidOperationException($"{setting} must be 3–63 letters and digits starting with a letter; it was '{value}'.");
        }
    }

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]$")]
    private static partial Regex QueueName();

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{2,62}$")]
    private static partial Regex TableName();
}
