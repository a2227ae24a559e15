using Microsoft.Extensions.Options;
using OssCopy.Functions.Configuration;

namespace OssCopy.Functions.Events;

/// <summary>One instance's memory of handled events, each kept for <see cref="EventOptions.DeduplicationWindow"/>.</summary>
public sealed class InMemoryEventDeduplicator : IEventDeduplicator
{
    private readonly Dictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _window;

    public InMemoryEventDeduplicator(TimeProvider time, IOptions<EventOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _window = options.Value.DeduplicationWindow;
    }

    public Task<bool> TryBeginAsync(string eventKey, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            foreach (var expired in _seen.Where(p => p.Value <= now).Select(p => p.Key).ToList())
            {
                _seen.Remove(expired);
            }

            return Task.FromResult(_seen.TryAdd(eventKey, now + _window));
        }
    }

    public Task CompleteAsync(string eventKey, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _seen[eventKey] = _time.GetUtcNow() + _window;
        }

        return Task.CompletedTask;
    }

    public Task ReleaseAsync(string eventKey, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _seen.Remove(eventKey);
        }

        return Task.CompletedTask;
    }
}
