using System.Text;

namespace LocalOss.Storage;

/// <summary>
/// Ordered name/value pairs (object headers, user metadata, tags) stored in one text column as
/// <c>name=value&amp;name=value</c> with both sides percent-encoded: compact, order-preserving and free of
/// reflection-based serialisation on the hot path.
/// </summary>
internal static class PairList
{
    public static string Encode(IReadOnlyList<KeyValuePair<string, string>> pairs)
    {
        if (pairs.Count == 0)
        {
            return "";
        }

        var builder = new StringBuilder();
        foreach (var (name, value) in pairs)
        {
            if (builder.Length > 0)
            {
                builder.Append('&');
            }

            builder.Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
        }

        return builder.ToString();
    }

    public static IReadOnlyList<KeyValuePair<string, string>> Decode(string encoded)
    {
        if (encoded.Length == 0)
        {
            return [];
        }

        var parts = encoded.Split('&');
        var list = new List<KeyValuePair<string, string>>(parts.Length);
        foreach (var part in parts)
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            list.Add(new KeyValuePair<string, string>(
                Uri.UnescapeDataString(part[..eq]),
                Uri.UnescapeDataString(part[(eq + 1)..])));
        }

        return list;
    }
}
