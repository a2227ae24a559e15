namespace OssCopy.Oss.Credentials;

/// <summary>
/// An error answered by STS (<c>{"RequestId","HostId","Code","Message","Recommend"}</c>) or a failed call to it,
/// keeping the code, message and request id. It never carries the OIDC token or any returned secret.
/// </summary>
public sealed class StsException : Exception
{
    public StsException(int statusCode, string errorCode, string errorMessage, string? requestId, string? hostId = null, string? recommend = null,
        Exception? innerException = null)
        : base($"STS error {errorCode} (HTTP {statusCode}): {errorMessage}" + (requestId is null ? string.Empty : $" RequestId: {requestId}."), innerException)
    {
        StatusCode = statusCode;
        ErrorCode = errorCode;
        ErrorMessage = errorMessage;
        RequestId = requestId;
        HostId = hostId;
        Recommend = recommend;
    }

    public StsException()
        : this(0, "Unknown", "Unknown error", null)
    {
    }

    public StsException(string message)
        : this(0, "ClientError", message, null)
    {
    }

    public StsException(string message, Exception innerException)
        : this(0, "ClientError", message, null, innerException: innerException)
    {
    }

    /// <summary>The HTTP status (0 when the call failed before an answer).</summary>
    public int StatusCode { get; }

    /// <summary>STS's <c>Code</c>, e.g. <c>AuthenticationFail.OIDCToken.Expired</c>.</summary>
    public string ErrorCode { get; }

    public string ErrorMessage { get; }

    public string? RequestId { get; }

    public string? HostId { get; }

    /// <summary>STS's troubleshooting link.</summary>
    public string? Recommend { get; }

    /// <summary>Worth retrying later: throttling, server errors and network failures; not a refused token or role.</summary>
    public bool IsTransient => StatusCode is 0 or 429 or >= 500 || ErrorCode.StartsWith("Throttling", StringComparison.Ordinal);
}
