namespace OssCopy.Oss.Http;

/// <summary>
/// What an operation wants sent, kept on the <see cref="HttpRequestMessage"/> so that the signing handler can sign
/// every attempt afresh and the retry predicate can tell whether another attempt is safe.
/// </summary>
internal sealed class OssRequestState
{
    public static readonly HttpRequestOptionsKey<OssRequestState> OptionsKey = new("OssCopy.Oss.RequestState");

    public required string Operation { get; init; }

    public required string Method { get; init; }

    public string? Bucket { get; init; }

    public string? Key { get; init; }

    public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);

    public List<KeyValuePair<string, string>> Query { get; } = [];

    /// <summary>False when the body is a forward-only stream: it cannot be sent twice, so it is never retried.</summary>
    public bool Replayable { get; set; } = true;

    /// <summary>False when a throttling answer (503, 429) goes back to the caller rather than being retried (see <see cref="OssRetryScope"/>).</summary>
    public bool RetryThrottling { get; set; } = true;

    /// <summary>Read the whole answer inside the attempt (all but streamed downloads), so a body cut short is retried.</summary>
    public bool BufferResponse { get; set; } = true;

    /// <summary>When the first attempt was signed, by the signing clock; a copy confirmed after a retry must be newer.</summary>
    public DateTimeOffset? FirstAttemptAt { get; set; }

    /// <summary>Set once a clock-skew answer has been retried: a second one is an error, not a loop.</summary>
    public bool SkewRetried { get; set; }

    /// <summary>Set once refused temporary credentials have been renewed and retried: a second refusal is an error.</summary>
    public bool CredentialsRenewed { get; set; }

    /// <summary>Set by the signing handler when the last answer refused the temporary credentials and new ones will sign the retry.</summary>
    public bool RenewCredentials { get; set; }

    /// <summary>Attempts made so far (1 after the first send).</summary>
    public int Attempts { get; set; }

    /// <summary>Set by the signing handler when the last answer was RequestTimeTooSkewed and the clock was corrected.</summary>
    public bool ClockCorrected { get; set; }

    /// <summary>The secrets used to sign, so that an error built from the answer can be scrubbed of them.</summary>
    public string[] SecretsUsed { get; set; } = [];

    public static OssRequestState? Of(HttpRequestMessage? request) =>
        request is not null && request.Options.TryGetValue(OptionsKey, out var state) ? state : null;
}
