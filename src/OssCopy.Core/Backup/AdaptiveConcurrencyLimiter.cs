namespace OssCopy.Core.Backup;

/// <summary>
/// Additive-increase / multiplicative-decrease concurrency: a throttling answer (503 SlowDown, 429) halves the
/// number of copies allowed at once; every <c>limit</c> successes add one back, up to the maximum. Like TCP's
/// congestion window, one burst of throttling halves once: only a request that started after the last decrease
/// can decrease again, so the many requests in flight when OSS pushed back do not collapse the limit to 1.
/// </summary>
public sealed class AdaptiveConcurrencyLimiter
{
    private readonly object _gate = new();
    private readonly LinkedList<TaskCompletionSource<Lease>> _waiters = new();
    private int _limit;
    private int _inFlight;
    private int _successes;
    private long _epoch;

    private readonly TimeProvider _time;
    private long _lastSignalDecrease = long.MinValue;

    // For ThrottledShareGoal: copies that succeeded and throttled attempts since the last decrease (one probing cycle),
    // and the rounds per added slot it has set (0 until it first does).
    private long _successesSinceDecrease;
    private long _throttlesSinceDecrease;
    private int _adaptedRounds;

    public AdaptiveConcurrencyLimiter(int maximum, int minimum = 1, int? initial = null, TimeProvider? timeProvider = null)
    {
        _time = timeProvider ?? TimeProvider.System;
        ArgumentOutOfRangeException.ThrowIfLessThan(minimum, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maximum, minimum);
        Minimum = minimum;
        Maximum = maximum;
        _limit = Math.Clamp(initial ?? maximum, minimum, maximum);
        Lowest = _limit;
    }

    public int Minimum { get; }

    public int Maximum { get; }

    /// <summary>How many may run at once now.</summary>
    /// <remarks>Read without the lock (an int read is atomic; it is written under the lock): every copy reads it for the progress display.</remarks>
    public int Limit => Volatile.Read(ref _limit);

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>How many times throttling lowered the limit.</summary>
    public int Decreases { get; private set; }

    /// <summary>The lowest the limit went.</summary>
    public int Lowest { get; private set; }

    public event Action<int, int>? LimitChanged;

    /// <summary>
    /// Throttling seen outside a lease (by the HTTP pipeline, on an attempt the client will retry). Such signals
    /// carry no lease to tell bursts apart, so a burst is whatever arrives within <see cref="SignalWindow"/> of
    /// the last decrease: it halves the limit once.
    /// </summary>
    public void ReportThrottle()
    {
        (int Old, int New)? changed = null;
        lock (_gate)
        {
            _throttlesSinceDecrease++;
            var now = _time.GetTimestamp();
            if (_lastSignalDecrease != long.MinValue && _time.GetElapsedTime(_lastSignalDecrease, now) < SignalWindow)
            {
                return;
            }

            _lastSignalDecrease = now;
            changed = Decrease();
        }

        if (changed is { } c && c.Old != c.New)
        {
            LimitChanged?.Invoke(c.Old, c.New);
        }
    }

    /// <summary>
    /// What a burst of throttling multiplies the limit by (rounded down, never below the minimum): 0.5 by default, as
    /// TCP's Reno halves; CUBIC and the AWS SDKs' adaptive mode keep 0.7 of the rate. Must be in (0, 1).
    /// </summary>
    public double DecreaseFactor
    {
        get => _decreaseFactor;
        init => _decreaseFactor = value is > 0 and < 1 ? value : throw new ArgumentOutOfRangeException(nameof(DecreaseFactor), value, "The decrease factor must be between 0 and 1.");
    }

    private readonly double _decreaseFactor = 0.5;

    /// <summary>
    /// Once throttling has been seen, how many rounds of <c>limit</c> successes each added slot takes (1 by default: one
    /// per round, as before any throttling). Slower probing near a cap that was met means fewer overshoots, so fewer
    /// refused requests, at the price of a slower climb back.
    /// </summary>
    public int RoundsPerIncreaseAfterThrottle
    {
        get => _roundsPerIncrease;
        init => _roundsPerIncrease = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(RoundsPerIncreaseAfterThrottle), value, "At least one round per increase.");
    }

    private readonly int _roundsPerIncrease = 1;

    /// <summary>
    /// When above 0: the share of attempts refused that probing aims to stay under. Each time throttling lowers the limit,
    /// the share refused over the cycle since the last decrease doubles the rounds per added slot when it is above
    /// the goal (up to <see cref="MaxRoundsPerIncrease"/>) and halves them when it is under half the goal (down to
    /// <see cref="RoundsPerIncreaseAfterThrottle"/>). For clients that share one cap and pace themselves apart
    /// (distributed workers): each adds a slot every few rounds, so together they climb back to the cap as many times
    /// faster as there are of them, overshoot sooner and are refused more; none knows how many there are, but each
    /// sees the share refused, which is about the same for all (a token bucket refuses at random), so all slow down
    /// together until it is under the goal. 0 (the default) keeps the rounds fixed.
    /// </summary>
    public double ThrottledShareGoal
    {
        get => _throttledShareGoal;
        init => _throttledShareGoal = value is >= 0 and < 1 ? value : throw new ArgumentOutOfRangeException(nameof(ThrottledShareGoal), value, "The throttled share goal must be at least 0 and under 1.");
    }

    private readonly double _throttledShareGoal;

    /// <summary>The most rounds per added slot <see cref="ThrottledShareGoal"/> sets.</summary>
    public const int MaxRoundsPerIncrease = 64;

    /// <summary>Rounds of <c>limit</c> successes per added slot now that throttling has been seen (what <see cref="ThrottledShareGoal"/> has set, if it is on).</summary>
    public int RoundsPerIncrease
    {
        get
        {
            lock (_gate)
            {
                return RoundsNow;
            }
        }
    }

    /// <summary>
    /// Until the first throttling, every success adds one (the limit doubles each round, as TCP's slow start), so a
    /// run that starts low reaches a cap in a few round trips instead of starting far above it and being cut down
    /// several times by the refusals of its first burst. Off by default: the limit then grows by one a round.
    /// </summary>
    public bool SlowStart { get; init; }

    /// <summary>Throttling signals this close together count as one burst.</summary>
    public TimeSpan SignalWindow { get; init; } = TimeSpan.FromMilliseconds(250);

    private (int Old, int New) Decrease()
    {
        AdaptRounds();
        var old = _limit;
        var lowered = Math.Max(Minimum, (int)(_limit * DecreaseFactor));
        _limit = lowered;
        _successes = 0;
        _successesSinceDecrease = 0;
        _throttlesSinceDecrease = 0;
        _epoch++;
        Decreases++;
        Lowest = Math.Min(Lowest, lowered);
        return (old, lowered);
    }

    /// <summary>Under the lock: the rounds per added slot once throttled, the configured ones or what the goal has set.</summary>
    private int RoundsNow => Math.Max(_roundsPerIncrease, _adaptedRounds);

    /// <summary>Under the lock: the rounds per added slot for the share refused over the cycle that ends now.</summary>
    private void AdaptRounds()
    {
        var attempts = _successesSinceDecrease + _throttlesSinceDecrease;
        if (ThrottledShareGoal <= 0 || attempts == 0)
        {
            return;
        }

        var refused = (double)_throttlesSinceDecrease / attempts;
        var rounds = RoundsNow;
        _adaptedRounds = refused > ThrottledShareGoal ? Math.Min(MaxRoundsPerIncrease, rounds * 2)
            : refused < ThrottledShareGoal / 2 ? Math.Max(_roundsPerIncrease, rounds / 2)
            : rounds;
    }

    /// <summary>Waits for a slot; dispose the lease (or report on it) when the work is done.</summary>
    public ValueTask<Lease> AcquireAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource<Lease> waiter;
        LinkedListNode<TaskCompletionSource<Lease>> node;
        lock (_gate)
        {
            if (_inFlight < _limit && _waiters.Count == 0)
            {
                _inFlight++;
                return ValueTask.FromResult(new Lease(this, _epoch));
            }

            waiter = new TaskCompletionSource<Lease>(TaskCreationOptions.RunContinuationsAsynchronously);
            node = _waiters.AddLast(waiter);
        }

        return WaitAsync(waiter, node, cancellationToken);
    }

    private async ValueTask<Lease> WaitAsync(TaskCompletionSource<Lease> waiter, LinkedListNode<TaskCompletionSource<Lease>> node, CancellationToken cancellationToken)
    {
        await using var registration = cancellationToken.Register(() =>
        {
            lock (_gate)
            {
                if (node.List is null)
                {
                    return;
                }

                _waiters.Remove(node);
            }

            waiter.TrySetCanceled(cancellationToken);
        });
        return await waiter.Task;
    }

    private void Release(Lease lease, Outcome outcome)
    {
        List<TaskCompletionSource<Lease>>? wake;
        long epoch;
        (int Old, int New)? changed = null;
        lock (_gate)
        {
            _inFlight--;
            if (outcome == Outcome.Success)
            {
                _successesSinceDecrease++;
                if (SlowStart && Decreases == 0 && _limit < Maximum)
                {
                    changed = (_limit, _limit + 1);
                    _limit++;
                    // The start is not a lowering: Lowest reports what throttling did.
                    Lowest = _limit;
                }
                else if (++_successes >= _limit * (Decreases > 0 ? RoundsNow : 1) && _limit < Maximum)
                {
                    changed = (_limit, _limit + 1);
                    _limit++;
                    _successes = 0;
                }
            }
            else if (outcome == Outcome.Throttled && lease.Epoch == _epoch)
            {
                _throttlesSinceDecrease++;
                changed = Decrease();
            }

            wake = TakeWaiters();
            epoch = _epoch;
        }

        foreach (var waiter in wake ?? [])
        {
            if (!waiter.TrySetResult(new Lease(this, epoch)))
            {
                // Cancelled meanwhile: hand the slot back.
                Release(new Lease(this, epoch), Outcome.Neutral);
            }
        }

        if (changed is { } c && c.Old != c.New)
        {
            LimitChanged?.Invoke(c.Old, c.New);
        }
    }

    /// <summary>The waiters that may start now; null (no list) in the usual case of nobody waiting.</summary>
    private List<TaskCompletionSource<Lease>>? TakeWaiters()
    {
        List<TaskCompletionSource<Lease>>? wake = null;
        while (_inFlight < _limit && _waiters.First is { } first)
        {
            _waiters.RemoveFirst();
            _inFlight++;
            (wake ??= []).Add(first.Value);
        }

        return wake;
    }

    private enum Outcome
    {
        Neutral,
        Success,
        Throttled,
    }

    /// <summary>One slot. Report how the work went; disposing without a report frees the slot and changes nothing.</summary>
    public sealed class Lease : IDisposable
    {
        private readonly AdaptiveConcurrencyLimiter _owner;
        private int _released;

        internal Lease(AdaptiveConcurrencyLimiter owner, long epoch)
        {
            _owner = owner;
            Epoch = epoch;
        }

        internal long Epoch { get; }

        public void Succeeded() => Release(Outcome.Success);

        public void Throttled() => Release(Outcome.Throttled);

        public void Dispose() => Release(Outcome.Neutral);

        private void Release(Outcome outcome)
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                _owner.Release(this, outcome);
            }
        }
    }
}
