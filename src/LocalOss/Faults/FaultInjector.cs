namespace LocalOss.Faults;

/// <summary>
/// Decides, per request, which configured fault applies. One <see cref="Random"/> seeded from the options
/// is drawn once per matching rule per request, under a lock, so the same request sequence with the same
/// seed meets the same faults (the repeatability the reliability tests rely on).
/// </summary>
public sealed class FaultInjector
{
    private readonly Lock _gate = new();
    private List<RuleState> _rules = [];
    private Random _random = new(1);
    private int _seed = 1;

    internal FaultInjector(LocalOssFaultOptions options) => Configure(options.Seed, options.Rules);

    /// <summary>Current seed (as last configured).</summary>
    public int Seed
    {
        get
        {
            lock (_gate)
            {
                return _seed;
            }
        }
    }

    /// <summary>Replaces every rule and restarts the random sequence from <paramref name="seed"/>.</summary>
    public void Configure(int seed, IEnumerable<LocalOssFaultRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var copy = rules.Select(r => new RuleState(new LocalOssFaultRule
        {
            Operation = r.Operation,
            Kind = r.Kind,
            Rate = r.Rate,
            LatencyMilliseconds = r.LatencyMilliseconds,
            Count = r.Count,
        })).ToList();
        var options = new LocalOssFaultOptions { Seed = seed };
        foreach (var rule in copy)
        {
            options.Rules.Add(rule.Rule);
        }

        var problems = options.Problems().ToList();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems), nameof(rules));
        }

        lock (_gate)
        {
            _rules = copy;
            _seed = seed;
            _random = new Random(seed);
        }
    }

    /// <summary>Adds one rule, keeping the others and the random sequence.</summary>
    public void Add(LocalOssFaultRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var options = new LocalOssFaultOptions();
        options.Rules.Add(rule);
        var problems = options.Problems().ToList();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems), nameof(rule));
        }

        lock (_gate)
        {
            _rules = [.. _rules, new RuleState(rule)];
        }
    }

    /// <summary>Removes every rule.</summary>
    public void Clear() => Configure(Seed, []);

    /// <summary>Snapshot of the rules with how often each has fired.</summary>
    public IReadOnlyList<(LocalOssFaultRule Rule, int Hits)> Snapshot()
    {
        lock (_gate)
        {
            return _rules.Select(r => (r.Rule, r.Hits)).ToList();
        }
    }

    /// <summary>The faults for one request: at most one failing fault plus the summed latency.</summary>
    internal FaultDecision Decide(string operation)
    {
        lock (_gate)
        {
            if (_rules.Count == 0)
            {
                return default;
            }

            var latency = 0;
            LocalOssFaultKind? failure = null;
            foreach (var state in _rules)
            {
                var rule = state.Rule;
                if (rule.Operation != "*" && !string.Equals(rule.Operation, operation, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                if (rule.Count is { } limit && state.Hits >= limit)
                {
                    continue;
                }

                if (_random.NextDouble() >= rule.Rate)
                {
                    continue;
                }

                if (rule.Kind == LocalOssFaultKind.Latency)
                {
                    state.Hits++;
                    latency += rule.LatencyMilliseconds;
                }
                else if (failure is null)
                {
                    state.Hits++;
                    failure = rule.Kind;
                }
            }

            return new FaultDecision(failure, latency);
        }
    }

    private sealed class RuleState(LocalOssFaultRule rule)
    {
        public LocalOssFaultRule Rule { get; } = rule;

        public int Hits { get; set; }
    }
}

internal readonly record struct FaultDecision(LocalOssFaultKind? Failure, int LatencyMilliseconds);
