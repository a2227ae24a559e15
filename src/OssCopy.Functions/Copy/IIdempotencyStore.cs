namespace OssCopy.Functions.Copy;

/// <summary>
/// Remembers the answer to a webhook request under its <c>Idempotency-Key</c>, so a client that repeats a request
/// (a retry after a timeout) gets the first answer instead of a second copy. The app keeps them in a table
/// (<see cref="TableIdempotencyStore"/>: insert to reserve, so two instances agree); <see cref="InMemoryIdempotencyStore"/> serves unit tests.
/// </summary>
public interface IIdempotencyStore
{
    /// <summary>Reserves <paramref name="key"/> for a request with <paramref name="fingerprint"/> (a hash of its body), or says what holds it.</summary>
    Task<IdempotencyReservation> ReserveAsync(string key, string fingerprint, CancellationToken cancellationToken);

    /// <summary>Stores the answer of the request that reserved <paramref name="key"/>.</summary>
    Task CompleteAsync(string key, StoredResponse response, CancellationToken cancellationToken);

    /// <summary>Forgets a reservation whose request ended without a final answer, so a repeat runs again.</summary>
    Task ReleaseAsync(string key, CancellationToken cancellationToken);
}

public enum IdempotencyState
{
    /// <summary>The key was free and is now this request's.</summary>
    Reserved,

    /// <summary>A request with this key and body finished: <see cref="IdempotencyReservation.Response"/> is its answer.</summary>
    Completed,

    /// <summary>A request with this key is still running.</summary>
    InProgress,

    /// <summary>The key was used for a different body.</summary>
    Mismatch,
}

public sealed record IdempotencyReservation(IdempotencyState State, StoredResponse? Response = null);

/// <summary>An answer as sent: status, content type, the JSON body, and for a 202 the <c>Location</c> to ask at.</summary>
public sealed record StoredResponse(int StatusCode, string ContentType, byte[] Body, string? Location = null);
