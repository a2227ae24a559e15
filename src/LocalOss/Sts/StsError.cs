namespace LocalOss.Sts;

/// <summary>An STS error answer: HTTP status, <c>Code</c> and <c>Message</c> (codes from STS's 2015-04-01 error code list).</summary>
internal sealed class StsError : Exception
{
    public StsError(int status, string code, string message)
        : base(message)
    {
        Status = status;
        Code = code;
    }

    public StsError()
        : this(500, "InternalError", "The request processing has failed due to some unknown error.")
    {
    }

    public StsError(string message)
        : this(500, "InternalError", message)
    {
    }

    public StsError(string message, Exception inner)
        : base(message, inner)
    {
        Status = 500;
        Code = "InternalError";
    }

    public int Status { get; }

    public string Code { get; }

    public static StsError Missing(string parameter) => new(400, "Missing" + parameter, $"{parameter} is mandatory for this action.");

    public static StsError TokenInvalid(string message) => new(401, "AuthenticationFail.OIDCToken.Invalid", message);
}
