using OssCopy.Oss.Models;

namespace OssCopy.Core.Backup;

/// <summary>
/// The destination listing as a cursor that can jump ahead to a key range. Within the page it holds it skips forward
/// for free; past that page it starts a new listing at the range (one request) rather than paging through keys in
/// between, which skipped ranges do not need. The next page is fetched only when a key beyond the page held is asked
/// for. Holds one page.
/// </summary>
internal sealed class DestinationCursor(Func<string?, IAsyncEnumerable<ListObjectsV2Result>> list, string prefix) : IAsyncDisposable
{
    private readonly Utf8Ordinal _comparer = Utf8Ordinal.Instance;
    private IAsyncEnumerator<ListObjectsV2Result>? _pages;
    private IReadOnlyList<OssObjectSummary> _page = [];
    private int _index;
    private OssObjectSummary? _current;
    private bool _morePages;
    private string? _previous;

    /// <summary>Listings started: the first, and one per jump past the page held.</summary>
    public int Listings { get; private set; }

    /// <summary>The relative key the cursor stands at (valid after <see cref="HasKeyUpToAsync"/> said yes).</summary>
    public string? Key { get; private set; }

    /// <summary>The object the cursor stands at (valid when <see cref="Key"/> is).</summary>
    public OssObjectSummary Current => _current!;

    /// <summary>The page held is used up and the listing goes on: the next key is only known after fetching a page.</summary>
    private bool Pending => _pages is not null && Key is null && _morePages;

    /// <summary>Stands the cursor at the first destination key after <paramref name="after"/> (null: the first key). Ranges only move forward.</summary>
    public async ValueTask SeekAsync(string? after)
    {
        if (_pages is not null)
        {
            if (Pending)
            {
                if (after is not null && _page.Count > 0 && _comparer.Compare(Relative(_page[^1].Key), after) >= 0)
                {
                    return;
                }
            }
            else if (Key is null || after is null || _comparer.Compare(Key, after) > 0)
            {
                // Already there, or the listing ended: the destination had nothing after it.
                return;
            }
            else if (_comparer.Compare(Relative(_page[^1].Key), after) > 0)
            {
                while (_comparer.Compare(Key!, after) <= 0)
                {
                    Advance();
                }

                return;
            }
        }

        await DisposeAsync();
        _pages = list(after is null ? null : prefix + after).GetAsyncEnumerator();
        Listings++;
        _page = [];
        _index = 0;
        _morePages = true;
        _previous = after;
        Key = null;
    }

    /// <summary>
    /// Whether the cursor stands at a key up to <paramref name="limit"/> (inclusive; null: any key). Fetches the next
    /// page only when it could hold such a key: when the limit lies beyond the page held.
    /// </summary>
    public async ValueTask<bool> HasKeyUpToAsync(string? limit)
    {
        while (Pending)
        {
            if (_page.Count > 0 && limit is not null && _comparer.Compare(Relative(_page[^1].Key), limit) >= 0)
            {
                return false;
            }

            if (!await _pages!.MoveNextAsync())
            {
                _morePages = false;
                break;
            }

            _page = _pages.Current.Contents;
            _morePages = _pages.Current.IsTruncated;
            _index = -1;
            Advance();
        }

        return Key is not null && (limit is null || _comparer.Compare(Key, limit) <= 0);
    }

    /// <summary>Steps past the current key.</summary>
    public void Advance()
    {
        _index++;
        if (_index >= _page.Count)
        {
            Key = null;
            return;
        }

        // Read once: a page's objects may be made as they are read (the client keeps its pages compact).
        _current = _page[_index];
        var key = Relative(_current.Key);

        // A merge-join over an unsorted listing would silently copy or skip the wrong objects; refuse instead.
        if (_previous is not null && _comparer.Compare(_previous, key) >= 0)
        {
            throw new InvalidOperationException($"The destination listing is not in ascending key order: '{key}' after '{_previous}'.");
        }

        Key = _previous = key;
    }

    public async ValueTask DisposeAsync()
    {
        if (_pages is not null)
        {
            await _pages.DisposeAsync();
            _pages = null;
        }
    }

    private string Relative(string key) =>
        key.StartsWith(prefix, StringComparison.Ordinal)
            ? key[prefix.Length..]
            : throw new InvalidOperationException($"The listing under prefix '{prefix}' returned the key '{key}' outside it.");
}
