using System.Globalization;

namespace OssCopy.Reliability.Tests.Support;

/// <summary>
/// How big the long tests are. The issue asks for 10,000 objects; the defaults fit the CI's time budget on a small
/// shared machine, and <c>OSSCOPY_RELIABILITY_OBJECTS=10000</c> runs the full size (both the in-process and the
/// distributed backup).
/// </summary>
internal static class ReliabilityScale
{
    public const string Variable = "OSSCOPY_RELIABILITY_OBJECTS";

    public const string Category = "Category";

    /// <summary>The trait value of the long tests (scripts/test runs them; <c>--filter Category!=Reliability</c> skips them).</summary>
    public const string Reliability = "Reliability";

    public static int InProcessObjects => Configured ?? 2000;

    public static int DistributedObjects => Configured ?? 1000;

    private static int? Configured =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } text && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : null;
}
