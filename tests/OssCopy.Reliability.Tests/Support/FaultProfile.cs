using LocalOss;

namespace OssCopy.Reliability.Tests.Support;

/// <summary>
/// The fault mix on the operations a backup makes: 5% 503 SlowDown, 1% dropped connections (both before the
/// operation runs, so a faulted request changed nothing), and random latency (two latency rules of different odds, so
/// requests wait 0, 3, 20 or 23 ms). Rules are per operation, so the hits say how many requests of each kind failed.
/// </summary>
internal static class FaultProfile
{
    public const double SlowDownRate = 0.05;

    public const double DropRate = 0.01;

    public static readonly string[] Operations = ["ListObjectsV2", "CopyObject", "HeadObject", "GetObject", "GetObjectTagging", "PutObject"];

    public static void Apply(LocalOssServer server, int seed)
    {
        var rules = new List<LocalOssFaultRule>();
        foreach (var operation in Operations)
        {
            rules.Add(new LocalOssFaultRule { Operation = operation, Kind = LocalOssFaultKind.SlowDown, Rate = SlowDownRate });
            rules.Add(new LocalOssFaultRule { Operation = operation, Kind = LocalOssFaultKind.DropConnection, Rate = DropRate });
        }

        rules.Add(new LocalOssFaultRule { Operation = "*", Kind = LocalOssFaultKind.Latency, Rate = 0.3, LatencyMilliseconds = 3 });
        rules.Add(new LocalOssFaultRule { Operation = "*", Kind = LocalOssFaultKind.Latency, Rate = 0.05, LatencyMilliseconds = 20 });
        server.Faults.Configure(seed, rules);
    }

    /// <summary>Requests of <paramref name="operation"/> that a fault failed (and so never ran).</summary>
    public static long Failed(LocalOssServer server, string operation) =>
        server.Faults.Snapshot().Where(r => r.Rule.Operation == operation && r.Rule.Kind != LocalOssFaultKind.Latency).Sum(r => (long)r.Hits);

    public static (long SlowDowns, long Drops, long Delayed) Totals(LocalOssServer server)
    {
        var snapshot = server.Faults.Snapshot();
        return (snapshot.Where(r => r.Rule.Kind == LocalOssFaultKind.SlowDown).Sum(r => (long)r.Hits),
            snapshot.Where(r => r.Rule.Kind == LocalOssFaultKind.DropConnection).Sum(r => (long)r.Hits),
            snapshot.Where(r => r.Rule.Kind == LocalOssFaultKind.Latency).Sum(r => (long)r.Hits));
    }
}
