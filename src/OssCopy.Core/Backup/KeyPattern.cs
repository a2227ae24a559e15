using System.Text;
using System.Text.RegularExpressions;

namespace OssCopy.Core.Backup;

/// <summary>
/// A glob over object keys (relative to the plan's source prefix): <c>*</c> matches within one path segment,
/// <c>**</c> across segments (<c>**/</c> also matches nothing), <c>?</c> one character, anything else itself.
/// </summary>
public sealed class KeyPattern
{
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);

    private readonly Regex _regex;

    public KeyPattern(string pattern)
    {
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        Pattern = pattern;
        _regex = new Regex(ToRegex(pattern), RegexOptions.CultureInvariant | RegexOptions.Singleline, MatchTimeout);
    }

    public string Pattern { get; }

    public bool IsMatch(string key) => _regex.IsMatch(key);

    public override string ToString() => Pattern;

    private static string ToRegex(string pattern)
    {
        var builder = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                var slash = i + 2 < pattern.Length && pattern[i + 2] == '/';
                builder.Append(slash ? "(?:.*/)?" : ".*");
                i += slash ? 2 : 1;
            }
            else if (c == '*')
            {
                builder.Append("[^/]*");
            }
            else if (c == '?')
            {
                builder.Append("[^/]");
            }
            else
            {
                builder.Append(Regex.Escape(c.ToString()));
            }
        }

        return builder.Append('$').ToString();
    }
}
