namespace OssCopy.Oss.Http;

/// <summary>
/// The signing clock: local time plus the offset learnt from a <c>RequestTimeTooSkewed</c> answer's <c>Date</c>
/// header, so a machine with a wrong clock still signs requests OSS accepts (as Go v2 does).
/// </summary>
public sealed class OssClock(TimeProvider timeProvider)
{
    private long _offsetTicks;

    public OssClock()
        : this(TimeProvider.System)
    {
    }

    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public DateTimeOffset UtcNow => timeProvider.GetUtcNow() + Offset;

    /// <summary>Adopts the server's time as the reference; returns whether the offset changed.</summary>
    public bool CorrectFrom(DateTimeOffset serverTime)
    {
        var offset = serverTime - timeProvider.GetUtcNow();
        var previous = Interlocked.Exchange(ref _offsetTicks, offset.Ticks);
        return previous != offset.Ticks;
    }
}
