namespace OssCopy.Oss;

/// <summary>
/// An object's tag set and its header form <c>k1=v1&amp;k2=v2</c> (each key and value URL-encoded), with OSS's
/// limits: at most 10 tags, unique keys of 1–128 characters, values of at most 256.
/// </summary>
public sealed class OssTagging : IEquatable<OssTagging>
{
    private readonly List<KeyValuePair<string, string>> _tags;

    public OssTagging(IEnumerable<KeyValuePair<string, string>> tags, string paramName = "tags")
        : this(tags, paramName, validate: true)
    {
    }

    private OssTagging(IEnumerable<KeyValuePair<string, string>> tags, string paramName, bool validate)
    {
        ArgumentNullException.ThrowIfNull(tags);
        _tags = tags.ToList();
        if (validate)
        {
            Validate(_tags, paramName);
        }
    }

    /// <summary>Tags as OSS answered them: what the service holds is reported, not judged by our input rules.</summary>
    internal static OssTagging FromService(IEnumerable<KeyValuePair<string, string>> tags) => new(tags, nameof(tags), validate: false);

    public static OssTagging Empty { get; } = new([]);

    public IReadOnlyList<KeyValuePair<string, string>> Tags => _tags;

    public int Count => _tags.Count;

    public string? this[string key]
    {
        get
        {
            foreach (var tag in _tags)
            {
                if (tag.Key == key)
                {
                    return tag.Value;
                }
            }

            return null;
        }
    }

    /// <summary>Parses the header form; throws an <see cref="ArgumentException"/> naming <paramref name="paramName"/> when it breaks a rule.</summary>
    public static OssTagging Parse(string? tagging, string paramName = "tagging")
    {
        if (string.IsNullOrEmpty(tagging))
        {
            return Empty;
        }

        var tags = new List<KeyValuePair<string, string>>();
        foreach (var pair in tagging.Split('&'))
        {
            if (pair.Length == 0)
            {
                throw new ArgumentException("The tagging string has an empty pair ('&&' or a trailing '&').", paramName);
            }

            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = eq < 0 ? pair : pair[..eq];
            var value = eq < 0 ? string.Empty : pair[(eq + 1)..];
            if (value.Contains('=', StringComparison.Ordinal))
            {
                throw new ArgumentException($"The tag '{pair}' has more than one '=' (encode '=' in values as %3D).", paramName);
            }

            tags.Add(new(Decode(key, paramName), Decode(value, paramName)));
        }

        return new OssTagging(tags, paramName);
    }

    /// <summary>The header form, each key and value percent-encoded as the SDKs do.</summary>
    public override string ToString() =>
        string.Join('&', _tags.Select(t => t.Value.Length == 0 ? OssEncoding.UriEncode(t.Key) : OssEncoding.UriEncode(t.Key) + "=" + OssEncoding.UriEncode(t.Value)));

    public bool Equals(OssTagging? other) =>
        other is not null && other._tags.Count == _tags.Count
        && _tags.OrderBy(t => t.Key, StringComparer.Ordinal).SequenceEqual(other._tags.OrderBy(t => t.Key, StringComparer.Ordinal));

    public override bool Equals(object? obj) => Equals(obj as OssTagging);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var tag in _tags.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            hash.Add(tag.Key);
            hash.Add(tag.Value);
        }

        return hash.ToHashCode();
    }

    private static void Validate(List<KeyValuePair<string, string>> tags, string paramName)
    {
        if (tags.Count > OssValidation.MaxTags)
        {
            throw new ArgumentException($"{tags.Count} tags given; OSS allows at most {OssValidation.MaxTags} per object.", paramName);
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in tags)
        {
            if (string.IsNullOrEmpty(key) || key.Length > OssValidation.MaxTagKeyLength)
            {
                throw new ArgumentException($"A tag key must be 1-{OssValidation.MaxTagKeyLength} characters; '{Truncate(key)}' is {key?.Length ?? 0}.", paramName);
            }

            if (value is null || value.Length > OssValidation.MaxTagValueLength)
            {
                throw new ArgumentException($"The value of tag '{Truncate(key)}' is longer than {OssValidation.MaxTagValueLength} characters.", paramName);
            }

            if (!seen.Add(key))
            {
                throw new ArgumentException($"The tag key '{Truncate(key)}' appears twice.", paramName);
            }
        }
    }

    private static string Decode(string part, string paramName)
    {
        for (var i = part.IndexOf('%', StringComparison.Ordinal); i >= 0; i = part.IndexOf('%', i + 1))
        {
            if (i + 2 >= part.Length || !char.IsAsciiHexDigit(part[i + 1]) || !char.IsAsciiHexDigit(part[i + 2]))
            {
                throw new ArgumentException($"'{part}' is not valid percent-encoding.", paramName);
            }
        }

        return Uri.UnescapeDataString(part);
    }

    private static string Truncate(string? s) => s is null ? string.Empty : s.Length <= 40 ? s : s[..40] + "…";
}
