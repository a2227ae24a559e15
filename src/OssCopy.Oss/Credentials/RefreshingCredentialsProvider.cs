using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace OssCopy.Oss.Credentials;

/// <summary>
/// Caches temporary credentials and gets new ones ahead of their expiry: at the earlier of 5 minutes or a fifth of
/// their lifetime before it. One fetch serves every caller: inside the refresh window the current credentials are
/// returned while a single background fetch runs; without usable credentials, all callers await the same fetch.
/// A failed refresh while the current credentials are still valid keeps them and tries again after
/// <see cref="RetryDelay"/>. Time comes from a <see cref="TimeProvider"/>.
/// </summary>
public sealed partial class RefreshingCredentialsProvider : IRenewableCredentialsProvider
{
    public static readonly TimeSpan MaxRefreshAhead = TimeSpan.FromMinutes(5);
    public const double RefreshAheadFraction = 0.2;

    // Credentials this close to expiry are not handed out: a request signed now must still be valid on arrival.
    private static readonly TimeSpan MaxExpiryMargin = TimeSpan.FromMinutes(1);
    private const double ExpiryMarginFraction = 0.1;

    private readonly Func<CancellationToken, Task<OssCredentials>> _fetch;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _source;
    private readonly Lock _gate = new();
    private Cached? _current;
    private Task<Cached>? _refresh;
    private DateTimeOffset _nextAttempt = DateTimeOffset.MinValue;

    public RefreshingCredentialsProvider(string source, Func<CancellationToken, Task<OssCredentials>> fetch, TimeProvider time, ILogger? logger = null)
    {
        _source = source ?? throw new ArgumentNullException(nameof(source));
        _fetch = fetch ?? throw new ArgumentNullException(nameof(fetch));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>After a failed refresh with valid credentials in hand, the wait before the next attempt.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How many fetches were started (for tests and metrics).</summary>
    public int FetchCount => Volatile.Read(ref _fetchCount);

    private int _fetchCount;

    public async ValueTask<OssCredentials> GetCredentialsAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var current = Volatile.Read(ref _current);
        if (current is not null && now < current.RefreshAt)
        {
            return current.Credentials;
        }

        Task<Cached> refresh;
        lock (_gate)
        {
            current = _current;
            if (current is not null && now < current.RefreshAt)
            {
                return current.Credentials;
            }

            var usable = current is not null && now < current.UsableUntil;
            if (_refresh is null && (!usable || now >= _nextAttempt))
            {
                _refresh = StartRefresh();
            }

            if (usable)
            {
                return current!.Credentials;
            }

            refresh = _refresh!;
        }

        // Callers wait with their own token; the shared fetch runs on regardless of one caller giving up.
        return (await refresh.WaitAsync(cancellationToken).ConfigureAwait(false)).Credentials;
    }

    public void Expire(OssCredentials rejected)
    {
        ArgumentNullException.ThrowIfNull(rejected);
        lock (_gate)
        {
            // Only the set OSS refused: requests signed with an older set may report after a newer one arrived.
            if (_current is not null && _current.Credentials.AccessKeyId == rejected.AccessKeyId)
            {
                _current = null;
                _nextAttempt = DateTimeOffset.MinValue;
                LogExpired(_logger, rejected.AccessKeyId, _source);
            }
        }
    }

    private Task<Cached> StartRefresh()
    {
        Interlocked.Increment(ref _fetchCount);
        var task = Task.Run(RefreshAsync);
        // Background refreshes nobody awaits must not surface as unobserved exceptions.
        _ = task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return task;
    }

    private async Task<Cached> RefreshAsync()
    {
        try
        {
            var credentials = await _fetch(CancellationToken.None).ConfigureAwait(false);
            var now = _time.GetUtcNow();
            var expires = credentials.Expiration ?? throw new InvalidOperationException($"The credentials from {_source} carry no expiration.");
            var lifetime = expires - now;
            if (lifetime <= TimeSpan.Zero)
            {
                throw new InvalidOperationException($"The credentials from {_source} expired at {expires:O}, before they arrived (check the clock).");
            }

            var ahead = TimeSpan.FromTicks(Math.Min(MaxRefreshAhead.Ticks, (long)(lifetime.Ticks * RefreshAheadFraction)));
            var margin = TimeSpan.FromTicks(Math.Min(MaxExpiryMargin.Ticks, (long)(lifetime.Ticks * ExpiryMarginFraction)));
            var cached = new Cached(credentials, expires - ahead, expires - margin);
            lock (_gate)
            {
                _current = cached;
                _refresh = null;
            }

            LogObtained(_logger, credentials.AccessKeyId, _source, expires, cached.RefreshAt);
            return cached;
        }
        catch (Exception ex)
        {
            DateTimeOffset? keepUntil;
            lock (_gate)
            {
                _refresh = null;
                _nextAttempt = _time.GetUtcNow() + RetryDelay;
                keepUntil = _current?.UsableUntil;
            }

            // The exception text is ours or STS's (code, message, request id): no token, no secret.
            LogRefreshFailed(_logger, ex, _source, keepUntil, RetryDelay);
            throw;
        }
    }

    private sealed record Cached(OssCredentials Credentials, DateTimeOffset RefreshAt, DateTimeOffset UsableUntil);

    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Obtained temporary OSS credentials {AccessKeyId} from {Source}, expiring at {Expiration:O}; next refresh at {RefreshAt:O}")]
    private static partial void LogObtained(ILogger logger, string accessKeyId, string source, DateTimeOffset expiration, DateTimeOffset refreshAt);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning,
        Message = "OSS refused temporary credentials {AccessKeyId} from {Source} before their expiry; getting new ones")]
    private static partial void LogExpired(ILogger logger, string accessKeyId, string source);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning,
        Message = "Getting temporary OSS credentials from {Source} failed; the current ones stay in use until {KeepUntil:O} (none if empty); next attempt in {RetryDelay}")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception, string source, DateTimeOffset? keepUntil, TimeSpan retryDelay);
}
