namespace OssCopy.Core.Backup;

/// <summary>
/// OSS lists keys in UTF-8 byte order, which is code point order. .NET's ordinal comparison is UTF-16 code unit
/// order, which differs once keys hold characters above U+FFFF next to ones in U+E000–U+FFFF; a merge-join in the
/// wrong order would see objects as missing. This compares as OSS sorts, without encoding.
/// </summary>
public sealed class Utf8Ordinal : IComparer<string>
{
    public static readonly Utf8Ordinal Instance = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null)
        {
            return -1;
        }

        if (y is null)
        {
            return 1;
        }

        var length = Math.Min(x.Length, y.Length);
        for (var i = 0; i < length; i++)
        {
            var a = x[i];
            var b = y[i];
            if (a == b)
            {
                continue;
            }

            // Surrogates (D800–DFFF) encode code points above FFFF, so they sort after E000–FFFF in code point order.
            if (a >= 0xD800 && b >= 0xD800)
            {
                return Rank(a).CompareTo(Rank(b));
            }

            return a.CompareTo(b);
        }

        return x.Length.CompareTo(y.Length);
    }

    private static int Rank(char c) => c is >= (char)0xD800 and <= (char)0xDFFF ? c + 0x2000 : c - 0x800;
}
