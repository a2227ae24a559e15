using System.Runtime.CompilerServices;
using OssCopy.Core.State;
using OssCopy.Oss.Models;

namespace OssCopy.Core.Backup;

/// <summary>
/// The merge-join of <see cref="ListingDiff"/>, one key range at a time. The source listing is cut into consecutive
/// ranges (a previous run's boundaries where it recorded some, else about one listing page each), each hashed over its
/// entries (<see cref="RangeHasher"/>). A range whose count and hash equal those of a range a previous run recorded as
/// in sync is reported as <see cref="DiffKind.InSyncRange"/> without listing the destination there; any other range
/// is merge-joined with the destination listing positioned at it (<see cref="DestinationCursor"/>). The ranges of this
/// run are kept in <see cref="Recorded"/> for the next. Memory: at most one range of source entries (a trusted range
/// is buffered until its hash is known, and stops being trusted once it outgrows the stored count or two pages) and
/// one destination page. A window of the listing (one source page, one stored range: <see cref="ListingWindowDiff"/>)
/// passes its last key as <c>windowLast</c> so that destination-only objects after it are left to the next window.
/// </summary>
internal sealed class SyncRangeDiff(
    IAsyncEnumerable<OssObjectSummary> source,
    string sourcePrefix,
    DestinationCursor destination,
    IReadOnlyList<SyncRange> trusted,
    string? startAfter,
    int pageSize,
    string? windowLast = null)
{
    private readonly Utf8Ordinal _comparer = Utf8Ordinal.Instance;
    private readonly List<(string Key, OssObjectSummary Entry)> _buffer = [];
    private int _nextStored;
    private string? _after = startAfter;
    private string? _bound;
    private SyncRange? _candidate;
    private string? _lastKey;
    private bool _positioned;
    private bool _lastRangeTrusted;

    /// <summary>This run's ranges, in key order: the next run trusts those that are still in sync.</summary>
    public List<SyncRange> Recorded { get; } = [];

    /// <summary>Ranges reported without listing the destination.</summary>
    public int TrustedRanges { get; private set; }

    /// <summary>Ranges merge-joined with the destination.</summary>
    public int ComparedRanges { get; private set; }

    public async IAsyncEnumerable<DiffEntry> JoinAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var hasher = new RangeHasher();
        await using var cursor = destination;
        PlanRange();
        await foreach (var entry in source.WithCancellation(cancellationToken))
        {
            var key = Relative(entry.Key);
            if (_lastKey is not null && _comparer.Compare(_lastKey, key) >= 0)
            {
                throw new InvalidOperationException($"The source listing is not in ascending key order: '{key}' after '{_lastKey}'.");
            }

            while (EndsBefore(key, hasher.Count))
            {
                await foreach (var closed in CloseAsync(key, hasher))
                {
                    yield return closed;
                }
            }

            hasher.Add(key, entry);
            _lastKey = key;
            if (_candidate is null)
            {
                // Not a trusted range: joined as it streams.
                while (true)
                {
                    var (step, done) = await StepAsync(key, entry);
                    yield return step;
                    if (done)
                    {
                        break;
                    }
                }

                continue;
            }

            _buffer.Add((key, entry));
            if (hasher.Count > Math.Min(_candidate.Count, 2 * pageSize))
            {
                // Longer than the range it was: changed. Join what is buffered and stream the rest of it.
                _candidate = null;
                await foreach (var joined in JoinBufferedAsync())
                {
                    yield return joined;
                }
            }
        }

        await foreach (var closed in CloseAsync(null, hasher))
        {
            yield return closed;
        }
    }

    /// <summary>Whether the range being built ends before <paramref name="key"/>: at its stored boundary, or (untrusted) at its size.</summary>
    private bool EndsBefore(string key, int count) =>
        (_bound is not null && _comparer.Compare(key, _bound) > 0)
        || (_candidate is null && count >= (_bound is null ? pageSize : 2 * pageSize));

    /// <summary>Decides the next range from where the last one ended: a stored range to check, or a span outside any.</summary>
    private void PlanRange()
    {
        while (_nextStored < trusted.Count && _after is not null && _comparer.Compare(trusted[_nextStored].Last, _after) <= 0)
        {
            _nextStored++;
        }

        _positioned = false;
        if (_nextStored == trusted.Count)
        {
            (_bound, _candidate) = (null, null);
            return;
        }

        var next = trusted[_nextStored];
        if (string.Equals(next.After, _after, StringComparison.Ordinal))
        {
            (_bound, _candidate) = (next.Last, next);
        }
        else if (next.After is null || (_after is not null && _comparer.Compare(next.After, _after) < 0))
        {
            // Starts inside a stored range (a resumed run): its hash covers keys this run does not list.
            (_bound, _candidate) = (next.Last, null);
        }
        else
        {
            // The keys between here and the next stored range were not in sync when it was recorded (or were new).
            (_bound, _candidate) = (next.After, null);
        }
    }

    /// <summary>Ends the range being built before <paramref name="next"/> (null: the source listing ended), reports it and records it.</summary>
    private async IAsyncEnumerable<DiffEntry> CloseAsync(string? next, RangeHasher hasher)
    {
        var count = hasher.Count;
        var hash = hasher.Finish();

        // A range ends at its stored boundary (even when its last keys are gone, so the next range still lines up),
        // else at its last key.
        var last = _bound is not null && (next is null || _comparer.Compare(next, _bound) > 0) ? _bound
            : count > 0 ? _lastKey
            : null;
        if (_candidate is not null && count == _candidate.Count && string.Equals(hash, _candidate.Hash, StringComparison.Ordinal))
        {
            foreach (var (key, entry) in _buffer)
            {
                yield return new DiffEntry(DiffKind.InSyncRange, key, entry, null);
            }

            TrustedRanges++;
            _lastRangeTrusted = true;
        }
        else if (last is not null || !_lastRangeTrusted)
        {
            // Changed, new, or outside the manifest: joined with the destination, destination-only objects included.
            // After the last source key the rest of the destination can only be extras: they are counted unless the
            // run trusted the range before (listing them would cost requests to count what is never copied).
            await foreach (var joined in JoinBufferedAsync())
            {
                yield return joined;
            }

            // A window of the listing (windowLast set) counts the extras up to its own end only: the next window
            // lists the destination from there.
            var limit = next is null ? windowLast : last;
            while (await NextExtraAsync(limit) is { } extra)
            {
                yield return extra;
            }

            ComparedRanges++;
            _lastRangeTrusted = false;
        }

        _buffer.Clear();
        if (last is not null)
        {
            Recorded.Add(new SyncRange(_after, last, count, hash));
            _after = last;
        }

        PlanRange();
    }

    private async IAsyncEnumerable<DiffEntry> JoinBufferedAsync()
    {
        foreach (var (key, entry) in _buffer)
        {
            while (true)
            {
                var (step, done) = await StepAsync(key, entry);
                yield return step;
                if (done)
                {
                    break;
                }
            }
        }

        _buffer.Clear();
    }

    /// <summary>
    /// One step of the join for a source entry of a compared range: a destination-only object before it (not done), or
    /// the entry itself, matched or missing (done). One result per call keeps extras from piling up in memory.
    /// </summary>
    private async ValueTask<(DiffEntry Entry, bool Done)> StepAsync(string key, OssObjectSummary entry)
    {
        await PositionAsync();
        if (!await destination.HasKeyUpToAsync(key))
        {
            return (new DiffEntry(DiffKind.Missing, key, entry, null), true);
        }

        var found = destination.Current;
        if (_comparer.Compare(destination.Key!, key) < 0)
        {
            var extra = new DiffEntry(DiffKind.ExtraInDestination, destination.Key!, null, found);
            destination.Advance();
            return (extra, false);
        }

        destination.Advance();
        return (new DiffEntry(ListingDiff.Compare(entry, found), key, entry, found), true);
    }

    /// <summary>The next destination-only object up to <paramref name="limit"/> (inclusive; null: to the end), or null.</summary>
    private async ValueTask<DiffEntry?> NextExtraAsync(string? limit)
    {
        await PositionAsync();
        if (!await destination.HasKeyUpToAsync(limit))
        {
            return null;
        }

        var extra = new DiffEntry(DiffKind.ExtraInDestination, destination.Key!, null, destination.Current);
        destination.Advance();
        return extra;
    }

    /// <summary>Brings the destination cursor to this range's start, once per range and only when the range needs it.</summary>
    private async ValueTask PositionAsync()
    {
        if (!_positioned)
        {
            await destination.SeekAsync(_after);
            _positioned = true;
        }
    }

    private string Relative(string key) =>
        key.StartsWith(sourcePrefix, StringComparison.Ordinal)
            ? key[sourcePrefix.Length..]
            : throw new InvalidOperationException($"The listing under prefix '{sourcePrefix}' returned the key '{key}' outside it.");
}
