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

    /// <summary>Adopts the server's time as the reference.</summary>
    public void CorrectFrom(DateTimeOffset serverTime) =>
        Interlocked.Exchange(ref _offsetTicks, (serverTime - timeProvider.GetUtcNow()).Ticks);
}
