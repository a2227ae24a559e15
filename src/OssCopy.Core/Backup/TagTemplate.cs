using System.Text.RegularExpressions;
using OssCopy.Oss;

namespace OssCopy.Core.Backup;

/// <summary>The values a tag rule's placeholders stand for in one run.</summary>
public sealed partial record TagPlaceholders(string Plan, DateOnly Date, string SourceBucket)
{
    public string Expand(string text) => PlaceholderPattern().Replace(text, m => m.Groups[1].Value switch
    {
        "plan" => Plan,
        "date" => Date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        "sourceBucket" => SourceBucket,
        var other => throw new ArgumentException($"'{{{other}}}' is not a placeholder: use {{plan}}, {{date}} or {{sourceBucket}}."),
    });

    [GeneratedRegex(@"\{([A-Za-z]+)\}", RegexOptions.CultureInvariant)]
    internal static partial Regex PlaceholderPattern();
}

/// <summary>Turns a rule's tagging template into a tag set: pairs are split and decoded first, then placeholders filled, so a plan name with '&amp;' or '=' cannot break the pairs.</summary>
public static class TagTemplate
{
    public static OssTagging Expand(string? template, TagPlaceholders placeholders, string paramName)
    {
        ArgumentNullException.ThrowIfNull(placeholders);
        if (string.IsNullOrEmpty(template))
        {
            return OssTagging.Empty;
        }

        var pairs = new List<KeyValuePair<string, string>>();
        foreach (var pair in template.Split('&'))
        {
            if (pair.Length == 0)
            {
                throw new ArgumentException("The tagging template has an empty pair ('&&' or a trailing '&').", paramName);
            }

            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = eq < 0 ? pair : pair[..eq];
            var value = eq < 0 ? string.Empty : pair[(eq + 1)..];
            if (value.Contains('=', StringComparison.Ordinal))
            {
                throw new ArgumentException($"The tag '{pair}' has more than one '=' (encode '=' in values as %3D).", paramName);
            }

            try
            {
                pairs.Add(new(placeholders.Expand(Uri.UnescapeDataString(key)), placeholders.Expand(Uri.UnescapeDataString(value))));
            }
            catch (ArgumentException ex)
            {
                throw new ArgumentException(ex.Message, paramName, ex);
            }
        }

        return new OssTagging(pairs, paramName);
    }
}
