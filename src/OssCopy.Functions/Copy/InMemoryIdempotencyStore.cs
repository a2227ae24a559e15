using Microsoft.Extensions.Options;
using OssCopy.Functions.Configuration;

namespace OssCopy.Functions.Copy;

/// <summary>One instance's memory of Idempotency-Keys, each kept for <see cref="WebhookOptions.IdempotencyRetention"/>.</summary>
public sealed class InMemoryIdempotencyStore : IIdempotencyStore
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _retention;

    public InMemoryIdempotencyStore(TimeProvider time, IOptions<WebhookOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _retention = options.Value.IdempotencyRetention;
    }

    public Task<IdempotencyReservation> ReserveAsync(string key, string fingerprint, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            Sweep(now);
            if (_entries.TryGetValue(key, out var entry))
            {
                return Task.FromResult(
                    !string.Equals(entry.Fingerprint, fingerprint, StringComparison.Ordinal) ? new IdempotencyReservation(IdempotencyState.Mismatch)
                    : entry.Response is null ? new IdempotencyReservation(IdempotencyState.InProgress)
                    : new IdempotencyReservation(IdempotencyState.Completed, entry.Response));
            }

            _entries[key] = new Entry(fingerprint, null, now + _retention);
            return Task.FromResult(new IdempotencyReservation(IdempotencyState.Reserved));
        }
    }

    public Task CompleteAsync(string key, StoredResponse response, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var entry))
            {
                _entries[key] = entry with { Response = response, Expires = _time.GetUtcNow() + _retention };
            }
        }

        return Task.CompletedTask;
    }

    public Task ReleaseAsync(string key, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _entries.Remove(key);
        }

        return Task.CompletedTask;
    }

    private void Sweep(DateTimeOffset now)
    {
        foreach (var expired in _entries.Where(p => p.Value.Expires <= now).Select(p => p.Key).ToList())
        {
            _entries.Remove(expired);
        }
    }

    private sealed record Entry(string Fingerprint, StoredResponse? Response, DateTimeOffset Expires);
}
