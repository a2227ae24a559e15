using System.Globalization;

namespace LocalOss.Throttling;

/// <summary>Durations as the command line writes them: <c>20ms</c>, <c>1.5s</c>, or a bare number of milliseconds.</summary>
internal static class DurationText
{
    public static TimeSpan Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var value = text.Trim();
        var (number, scale) = value.EndsWith("ms", StringComparison.OrdinalIgnoreCase) ? (value[..^2], 1.0)
            : value.EndsWith('s') || value.EndsWith('S') ? (value[..^1], 1000.0)
            : (value, 1.0);
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) || !double.IsFinite(amount))
        {
            throw new FormatException($"'{text}' is not a duration such as 20ms or 0.5s.");
        }

        return TimeSpan.FromMilliseconds(amount * scale);
    }
}
