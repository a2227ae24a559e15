using System.Buffers;
using System.Collections;
using System.Text;
using System.Text.Unicode;
using OssCopy.Oss.Models;

namespace OssCopy.Oss.Internal;

/// <summary>
/// A listing page's objects, held compactly and made into <see cref="OssObjectSummary"/> records as they are read.
/// A backup keeps each page of a thousand keys until its last key is copied, long enough for the garbage collector to
/// promote what the page holds, and then to collect it from an older generation: as a thousand records with two
/// strings each that was some 3,000 objects and 250 KB per page, a large part of the engine's CPU per copied object.
/// Here a page is two arrays (the keys and ETags as UTF-8, and a row of plain fields per object), and each record a
/// reader asks for is made then and dies young. Reading an entry twice gives equal records, not the same instance.
/// </summary>
internal sealed class CompactObjectList : IReadOnlyList<OssObjectSummary>
{
    private byte[] _text = [];
    private int _textLength;
    private Row[] _rows = [];
    private int _count;

    // Entries whose key or ETag would not come back the same from UTF-8 (a lone surrogate): kept as they were given.
    private Dictionary<int, OssObjectSummary>? _verbatim;

    public int Count => _count;

    public OssObjectSummary this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _count);
            ref readonly var row = ref _rows[index];
            if (row.KeyLength < 0)
            {
                return _verbatim![index];
            }

            return new OssObjectSummary(
                Encoding.UTF8.GetString(_text, row.KeyStart, row.KeyLength),
                row.Size,
                row.ETagLength < 0 ? null : Encoding.UTF8.GetString(_text, row.ETagStart, row.ETagLength),
                row.LastModified,
                row.StorageClass,
                row.ObjectType,
                row.OwnerId,
                row.OwnerDisplayName);
        }
    }

    /// <summary>Room for <paramref name="count"/> objects in all (the page's KeyCount), so the rows are not grown while parsing.</summary>
    public void EnsureCapacity(int count)
    {
        if (count > _rows.Length)
        {
            Array.Resize(ref _rows, count);
        }
    }

    public void Add(OssObjectSummary item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (_count == _rows.Length)
        {
            Array.Resize(ref _rows, Math.Max(16, _count * 2));
        }

        var textLength = _textLength;
        ref var row = ref _rows[_count];
        row = new Row
        {
            Size = item.Size,
            LastModified = item.LastModified,
            StorageClass = item.StorageClass,
            ObjectType = item.ObjectType,
            OwnerId = item.OwnerId,
            OwnerDisplayName = item.OwnerDisplayName,
            ETagLength = -1,
        };

        if (Append(item.Key, out row.KeyStart, out row.KeyLength) && (item.ETag is null || Append(item.ETag, out row.ETagStart, out row.ETagLength)))
        {
            _count++;
            return;
        }

        // Not representable as UTF-8: this one entry is kept as given.
        _textLength = textLength;
        row = new Row { KeyLength = -1 };
        (_verbatim ??= [])[_count] = item;
        _count++;
    }

    /// <summary>Gives back what the growth left unused, once the page is complete (it is kept while its keys are worked on).</summary>
    public void TrimExcess()
    {
        if (_rows.Length > _count)
        {
            Array.Resize(ref _rows, _count);
        }

        if (_text.Length > _textLength)
        {
            Array.Resize(ref _text, _textLength);
        }
    }

    public IEnumerator<OssObjectSummary> GetEnumerator()
    {
        for (var i = 0; i < _count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private bool Append(string value, out int start, out int length)
    {
        start = _textLength;
        var needed = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (_text.Length - _textLength < needed)
        {
            Array.Resize(ref _text, Math.Max(_textLength + needed, Math.Max(4096, _text.Length * 2)));
        }

        var status = Utf8.FromUtf16(value, _text.AsSpan(_textLength), out _, out length, replaceInvalidSequences: false);
        if (status != OperationStatus.Done)
        {
            return false;
        }

        _textLength += length;
        return true;
    }

    private struct Row
    {
        public int KeyStart;
        public int KeyLength;
        public int ETagStart;
        public int ETagLength;
        public long Size;
        public DateTimeOffset? LastModified;
        public string? StorageClass;
        public string? ObjectType;
        public string? OwnerId;
        public string? OwnerDisplayName;
    }
}
