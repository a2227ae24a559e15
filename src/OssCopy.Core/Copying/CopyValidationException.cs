namespace OssCopy.Core.Copying;

/// <summary>One problem with a request, named by the request property a caller can fix.</summary>
public sealed record CopyValidationError(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}

/// <summary>
/// A request the engine refused before any OSS call. Every problem is listed, each naming its field, so a caller
/// fixes them all at once; <see cref="ArgumentException.ParamName"/> is the first field.
/// </summary>
public sealed class CopyValidationException : ArgumentException
{
    public CopyValidationException(IReadOnlyList<CopyValidationError> errors)
        : base(Describe(errors), errors is { Count: > 0 } ? errors[0].Field : null)
    {
        Errors = errors;
    }

    public CopyValidationException()
        : this([])
    {
    }

    public CopyValidationException(string message)
        : this([new CopyValidationError("Request", message)])
    {
    }

    public CopyValidationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [new CopyValidationError("Request", message)];
    }

    public IReadOnlyList<CopyValidationError> Errors { get; }

    private static string Describe(IReadOnlyList<CopyValidationError> errors) =>
        errors is null || errors.Count == 0
            ? "The copy request is invalid."
            : "The copy request is invalid: " + string.Join("; ", errors.Select(e => e.ToString()));
}
