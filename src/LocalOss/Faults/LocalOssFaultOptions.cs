namespace LocalOss;

/// <summary>What a fault rule does to a request it hits.</summary>
public enum LocalOssFaultKind
{
    /// <summary>503 <c>SlowDown</c>, as OSS throttles.</summary>
    SlowDown,

    /// <summary>500 <c>InternalError</c>.</summary>
    InternalError,

    /// <summary>The TCP connection is aborted before any answer.</summary>
    DropConnection,

    /// <summary>The request is served normally after <see cref="LocalOssFaultRule.LatencyMilliseconds"/>.</summary>
    Latency,
}

/// <summary>Fault injection: rules drawn from one seeded random sequence so that a test is repeatable.</summary>
public sealed class LocalOssFaultOptions
{
    public int Seed { get; set; } = 1;

    public IList<LocalOssFaultRule> Rules { get; } = new List<LocalOssFaultRule>();

    internal IEnumerable<string> Problems()
    {
        foreach (var rule in Rules)
        {
            if (string.IsNullOrWhiteSpace(rule.Operation))
            {
                yield return "A fault rule needs an Operation (an operation name such as CopyObject, or *).";
            }

            if (rule.Rate is < 0 or > 1 || double.IsNaN(rule.Rate))
            {
                yield return $"Fault rate {rule.Rate} for {rule.Operation} is not between 0 and 1.";
            }

            if (rule.LatencyMilliseconds < 0)
            {
                yield return $"Fault latency for {rule.Operation} is negative.";
            }

            if (rule.Count is < 0)
            {
                yield return $"Fault count for {rule.Operation} is negative.";
            }
        }
    }
}

/// <summary>One fault: which operation, what happens, how often.</summary>
public sealed class LocalOssFaultRule
{
    /// <summary>Operation name as counted (PutObject, CopyObject, …) or <c>*</c> for every operation.</summary>
    public string Operation { get; set; } = "*";

    public LocalOssFaultKind Kind { get; set; }

    /// <summary>Probability, 0 to 1, that a matching request is hit.</summary>
    public double Rate { get; set; } = 1;

    /// <summary>Added delay for <see cref="LocalOssFaultKind.Latency"/>.</summary>
    public int LatencyMilliseconds { get; set; }

    /// <summary>Stop after this many hits; <c>null</c> = no limit.</summary>
    public int? Count { get; set; }
}
