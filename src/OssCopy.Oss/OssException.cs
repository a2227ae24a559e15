using System.Net;

namespace OssCopy.Oss;

/// <summary>
/// An error answered by OSS (or a protocol-level failure such as a CRC mismatch), keeping everything the
/// service said: HTTP status, code, message, request id, host id, EC and the raw body. Like Azure.Core's
/// RequestFailedException, it never loses the request id. Secrets are scrubbed before it is built.
/// </summary>
public sealed class OssException : Exception
{
    public OssException(
        int statusCode,
        string errorCode,
        string errorMessage,
        string? requestId,
        string? hostId = null,
        string? ec = null,
        string? rawBody = null,
        IReadOnlyDictionary<string, string>? details = null,
        Exception? innerException = null)
        : base(Describe(statusCode, errorCode, errorMessage, requestId, ec), innerException)
    {
        StatusCode = statusCode;
        ErrorCode = errorCode;
        ErrorMessage = errorMessage;
        RequestId = requestId;
        HostId = hostId;
        Ec = ec;
        RawBody = rawBody;
        Details = details ?? new Dictionary<string, string>();
    }

    public OssException()
        : this(0, "Unknown", "Unknown error", null)
    {
    }

    public OssException(string message)
        : this(0, "ClientError", message, null)
    {
    }

    public OssException(string message, Exception innerException)
        : this(0, "ClientError", message, null, innerException: innerException)
    {
    }

    /// <summary>The HTTP status code (0 when the error was found by the client, such as a CRC mismatch).</summary>
    public int StatusCode { get; }

    /// <summary>OSS's <c>Code</c>, e.g. <c>NoSuchKey</c>, <c>FileAlreadyExists</c>.</summary>
    public string ErrorCode { get; }

    public string ErrorMessage { get; }

    public string? RequestId { get; }

    public string? HostId { get; }

    /// <summary>OSS's error identifier (<c>EC</c>, e.g. <c>0026-00000001</c>), from the body or <c>x-oss-ec</c>.</summary>
    public string? Ec { get; }

    /// <summary>The response body as received (secrets removed); empty for HEAD answers without <c>x-oss-err</c>.</summary>
    public string? RawBody { get; }

    /// <summary>Other elements of the error XML (<c>BucketName</c>, <c>Key</c>, <c>StringToSign</c>, …).</summary>
    public IReadOnlyDictionary<string, string> Details { get; }

    public HttpStatusCode Status => (HttpStatusCode)StatusCode;

    private static string Describe(int status, string code, string message, string? requestId, string? ec) =>
        $"OSS error {code} (HTTP {status}): {message}" +
        (requestId is null ? string.Empty : $" RequestId: {requestId}.") +
        (ec is null ? string.Empty : $" EC: {ec}.");
}

/// <summary>Well-known OSS error codes.</summary>
public static class OssErrorCodes
{
    public const string NoSuchKey = "NoSuchKey";
    public const string NoSuchBucket = "NoSuchBucket";
    public const string NoSuchUpload = "NoSuchUpload";
    public const string FileAlreadyExists = "FileAlreadyExists";
    public const string FileImmutable = "FileImmutable";
    public const string PreconditionFailed = "PreconditionFailed";
    public const string NotModified = "NotModified";
    public const string AccessDenied = "AccessDenied";
    public const string SignatureDoesNotMatch = "SignatureDoesNotMatch";
    public const string InvalidAccessKeyId = "InvalidAccessKeyId";
    public const string RequestTimeTooSkewed = "RequestTimeTooSkewed";
    public const string SlowDown = "SlowDown";
    public const string InternalError = "InternalError";
    public const string InconsistentCrc = "InconsistentCrc";
    public const string InvalidResponse = "InvalidResponse";
}
