using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace OssCopy.Oss.Internal;

/// <summary>
/// The response headers of a result (<see cref="Models.OssResult.Headers"/>): the name/value pairs are copied when the
/// answer arrives (the response is disposed right after), but the case-insensitive dictionary is built only when
/// someone reads it. Most callers never do, and building it for every answer cost a dictionary and a hash per header.
/// </summary>
internal sealed class ResponseHeaders(KeyValuePair<string, string>[] pairs) : IReadOnlyDictionary<string, string>
{
    private Dictionary<string, string>? _map;

    // Built at most once per reader; a race builds two equal dictionaries, and either is right.
    private Dictionary<string, string> Map => _map ??= Build(pairs);

    public string this[string key] => Map[key];

    public IEnumerable<string> Keys => Map.Keys;

    public IEnumerable<string> Values => Map.Values;

    public int Count => Map.Count;

    public bool ContainsKey(string key) => Map.ContainsKey(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out string value) => Map.TryGetValue(key, out value);

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => Map.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>As the eager dictionary was filled: in arrival order, a later header of the same name replacing the earlier.</summary>
    private static Dictionary<string, string> Build(KeyValuePair<string, string>[] pairs)
    {
        var map = new Dictionary<string, string>(pairs.Length, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in pairs)
        {
            map[name] = value;
        }

        return map;
    }
}
