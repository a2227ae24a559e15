using System.Globalization;
using OssCopy.Core.Backup;
using OssCopy.Core.State;
using OssCopy.Oss.Models;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace OssCopy.Core.Tests.Backup;

/// <summary>
/// A model-based fuzz of <see cref="SyncRangeDiff"/> over <see cref="DestinationCursor"/>: a source and a destination
/// kept as sorted maps, and runs that change the source (puts, deletes, and reverts to an earlier version, the case a
/// stale manifest would wrongly trust), add destination-only objects, fail some copies, stop part way and resume from
/// a checkpoint, and now and then reconcile in full. The model plays the runner's part around the diff the simple way:
/// it withdraws the stored manifest from the first key it copies, as <c>BackupRunner</c> does, and saves the recorded
/// ranges minus those holding a failed key, found by a linear scan. Every scenario is replayable from its seed.
/// </summary>
public class SyncRangeFuzzTests(ITestOutputHelper output)
{
    private const int Batches = 4;
    private const int ScenariosPerBatch = 500;
    private const int RunsPerScenario = 12;

    private static readonly Utf8Ordinal Order = Utf8Ordinal.Instance;

    /// <summary>One object version; records compare by value, as the runner compares a listing's size and ETag.</summary>
    private sealed record Version(long Size, string ETag)
    {
        public override string ToString() => $"{Size}/{ETag}";
    }

    /// <summary>What a batch of scenarios exercised, so a fuzz that never trusts a range cannot pass unnoticed.</summary>
    private sealed class Coverage
    {
        public int TrustedRanges { get; set; }

        public int ComparedRanges { get; set; }

        public int ResumedRunsThatTrusted { get; set; }

        public int RevertsAfterACopy { get; set; }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task Random_runs_trust_only_keys_the_destination_holds_and_report_every_source_key_once(int batch)
    {
        Assert.InRange(batch, 1, Batches);
        var coverage = new Coverage();
        for (var scenario = 0; scenario < ScenariosPerBatch; scenario++)
        {
            await RunScenarioAsync((batch * 100_000) + scenario, coverage);
        }

        output.WriteLine($"{ScenariosPerBatch} scenarios of {RunsPerScenario} runs: {coverage.TrustedRanges} ranges trusted, {coverage.ComparedRanges} compared, "
                         + $"{coverage.ResumedRunsThatTrusted} resumed runs trusted a range, {coverage.RevertsAfterACopy} reverts to a version copied before");
        Assert.True(coverage.TrustedRanges > 0 && coverage.ComparedRanges > 0 && coverage.ResumedRunsThatTrusted > 0 && coverage.RevertsAfterACopy > 0,
            "The scenarios no longer exercise trusted ranges, resumed runs and reverts; the fuzz proves little.");
    }

    /// <summary>One scenario; a failure names the seed and every step so far, to replay it by calling this with that seed.</summary>
    private async Task RunScenarioAsync(int seed, Coverage coverage)
    {
        var log = new List<string>();
        try
        {
            await PlayAsync(new Random(seed), log, coverage);
        }
        catch (Exception ex)
        {
            output.WriteLine($"Failing seed {seed}:");
            foreach (var step in log)
            {
                output.WriteLine(step);
            }

            throw new XunitException($"Seed {seed} (replay with RunScenarioAsync({seed}, ...)): {ex.Message}{Environment.NewLine}{string.Join(Environment.NewLine, log)}", ex);
        }
    }

    private static async Task PlayAsync(Random random, List<string> log, Coverage coverage)
    {
        var pageSize = random.Next(1, 5);
        var keySpace = random.Next(3, 30);
        var source = new SortedDictionary<string, Version>(Order);
        var destination = new SortedDictionary<string, Version>(Order);
        var history = new Dictionary<string, List<Version>>();
        var versions = 0;
        Version NewVersion() => new(random.Next(1, 3), "E" + versions++.ToString(CultureInfo.InvariantCulture));
        string AnyKey() => random.Next(keySpace).ToString("D3", CultureInfo.InvariantCulture);

        for (var i = 0; i < keySpace; i++)
        {
            if (random.NextDouble() < 0.6)
            {
                var key = i.ToString("D3", CultureInfo.InvariantCulture);
                source[key] = NewVersion();
                history[key] = [source[key]];
            }
        }

        List<SyncRange>? stored = null;
        string? checkpoint = null;
        log.Add($"page size {pageSize}, source [{string.Join(" ", source.Select(p => $"{p.Key}={p.Value}"))}]");
        for (var run = 0; run < RunsPerScenario; run++)
        {
            for (var changes = random.Next(0, 4); changes > 0; changes--)
            {
                var key = AnyKey();
                var draw = random.NextDouble();
                if (draw < 0.3)
                {
                    source.Remove(key);
                    log.Add($"delete {key}");
                }
                else if (draw < 0.5 && history.TryGetValue(key, out var earlier))
                {
                    var old = earlier[random.Next(earlier.Count)];
                    source[key] = old;
                    coverage.RevertsAfterACopy += destination.TryGetValue(key, out var held) && held != old ? 1 : 0;
                    log.Add($"revert {key} to {old}");
                }
                else
                {
                    var put = NewVersion();
                    source[key] = put;
                    (history.TryGetValue(key, out var list) ? list : history[key] = []).Add(put);
                    log.Add($"put {key} {put}");
                }
            }

            if (random.NextDouble() < 0.3)
            {
                // At a key the source never has, so a destination-only object never makes a trusted range wrong.
                var key = AnyKey() + "x";
                destination[key] = new Version(9, "X");
                log.Add($"destination-only {key}");
            }

            var full = random.NextDouble() < 0.1;
            IReadOnlyList<SyncRange> trusted = full || stored is null ? [] : stored;
            var after = checkpoint;
            var stopAfter = random.NextDouble() < 0.25 ? random.Next(0, Math.Max(1, source.Count)) : int.MaxValue;
            var failureRate = random.NextDouble() < 0.3 ? 0.2 : 0.0;
            log.Add($"run {run}: after {after ?? "-"}, trusted [{Describe(trusted)}], stop after {(stopAfter == int.MaxValue ? "-" : stopAfter)}, failure rate {failureRate}");

            var snapshot = source.ToList();
            var diff = new SyncRangeDiff(ListSource(snapshot, after), "s/", new DestinationCursor(startAfter => ListDestination(destination, startAfter, pageSize), "d/"),
                trusted, after, pageSize);
            var seen = new List<string>();
            var extras = new List<string>();
            var failed = new List<string>();
            var withdrawn = false;
            var stopped = false;
            await foreach (var entry in diff.JoinAsync())
            {
                var key = entry.RelativeKey;
                if (entry.Kind == DiffKind.ExtraInDestination)
                {
                    Assert.True(!source.ContainsKey(key) && destination.ContainsKey(key), $"{key} reported as destination-only");
                    Assert.DoesNotContain(key, extras);
                    extras.Add(key);
                    continue;
                }

                if (seen.Count >= stopAfter)
                {
                    stopped = true;
                    break;
                }

                seen.Add(key);
                var expected = source[key];
                destination.TryGetValue(key, out var held);
                if (entry.Kind is DiffKind.InSyncRange or DiffKind.Unchanged)
                {
                    Assert.True(expected == held, $"{key} reported {entry.Kind}, but the destination holds {held?.ToString() ?? "nothing"} for {expected}");
                    continue;
                }

                Assert.Equal(held is null ? DiffKind.Missing : held.Size != expected.Size ? DiffKind.SizeDiffers : DiffKind.ETagDiffers, entry.Kind);
                if (!withdrawn && stored is not null)
                {
                    // The runner's withdrawal before its first copy: the stored manifest stops vouching from this key on.
                    withdrawn = true;
                    stored = stored.Where(r => Order.Compare(r.Last, key) < 0).ToList();
                }

                if (random.NextDouble() < failureRate)
                {
                    failed.Add(key);
                }
                else
                {
                    destination[key] = expected;
                }

            }

            coverage.TrustedRanges += diff.TrustedRanges;
            coverage.ComparedRanges += diff.ComparedRanges;
            coverage.ResumedRunsThatTrusted += after is not null && diff.TrustedRanges > 0 ? 1 : 0;
            if (stopped)
            {
                // Interrupted: the (withdrawn) manifest stays. The checkpoint saved last stands after any key handled,
                // or is still the one this run resumed from; or there is none to resume from (a crash before the first
                // save, a run not resumed), and the next run starts over with the manifest as the interrupted run left it.
                var saved = random.Next(-1, seen.Count);
                checkpoint = random.NextDouble() < 0.2 ? null : saved < 0 ? after : seen[saved];
                log.Add($"  stopped, checkpoint {checkpoint ?? "-"}");
                continue;
            }

            Assert.Equal(snapshot.Select(p => p.Key).Where(k => IsAfter(k, after)), seen);
            if (diff.TrustedRanges == 0)
            {
                // Every range compared: each destination-only object after the start is counted once.
                Assert.Equal(destination.Keys.Where(k => !source.ContainsKey(k) && IsAfter(k, after)), extras);
            }

            checkpoint = null;
            stored = diff.Recorded.Where(r => !failed.Any(k => IsAfter(k, r.After) && Order.Compare(k, r.Last) <= 0)).ToList();
            Assert.True(new SyncManifest("fingerprint", null, DateTimeOffset.UnixEpoch, stored).IsWellFormed(), $"ill-formed manifest [{Describe(stored)}]");
            log.Add($"  recorded [{Describe(diff.Recorded)}], failed [{string.Join(" ", failed)}]");
        }
    }

    private static bool IsAfter(string key, string? after) => after is null || Order.Compare(key, after) > 0;

    private static string Describe(IEnumerable<SyncRange> ranges) => string.Join(" ", ranges.Select(r => $"({r.After},{r.Last}]#{r.Count}"));

    private static async IAsyncEnumerable<OssObjectSummary> ListSource(List<KeyValuePair<string, Version>> snapshot, string? after)
    {
        foreach (var (key, version) in snapshot)
        {
            if (IsAfter(key, after))
            {
                await Task.CompletedTask;
                yield return new OssObjectSummary("s/" + key, version.Size, version.ETag, null, null, null);
            }
        }
    }

    /// <summary>Pages of the destination as it is when each page is asked for, as a live listing reads it.</summary>
    private static async IAsyncEnumerable<ListObjectsV2Result> ListDestination(SortedDictionary<string, Version> destination, string? startAfter, int pageSize)
    {
        var after = startAfter?["d/".Length..];
        while (true)
        {
            await Task.CompletedTask;
            var rows = destination.Where(p => IsAfter(p.Key, after)).Take(pageSize + 1).ToList();
            var page = rows.Take(pageSize).Select(p => new OssObjectSummary("d/" + p.Key, p.Value.Size, p.Value.ETag, null, null, null)).ToList();
            yield return new ListObjectsV2Result { Contents = page, IsTruncated = rows.Count > pageSize };
            if (rows.Count <= pageSize)
            {
                yield break;
            }

            after = page[^1].Key["d/".Length..];
        }
    }
}
