using Microsoft.AspNetCore.Http;
using OssCopy.Core.Copying;
using OssCopy.Functions.Http;

namespace OssCopy.Functions.Copy;

/// <summary>
/// What the webhook answers for an outcome: 200 with the outcome when copied; an OSS refusal keeps OSS's status
/// (403, 404, 409, 412…) as a problem carrying OSS's code, message, EC and request id; 502 when OSS could not be
/// reached or still failed after the client's retries; 412 when the source changed under the copy. An archived source
/// answers 202 with the outcome while it is being restored (ask again once restored) and 200 when it was skipped as asked.
/// </summary>
public static class CopyOutcomeMapper
{
    public static JsonBodyResult Map(CopyOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        switch (outcome.Status)
        {
            case CopyStatus.Copied:
                return new JsonBodyResult(StatusCodes.Status200OK, outcome);
            case CopyStatus.Restoring:
                // Accepted, not done: the same request copies the object once OSS has restored it.
                return new JsonBodyResult(StatusCodes.Status202Accepted, outcome);
            case CopyStatus.Skipped:
                return new JsonBodyResult(StatusCodes.Status200OK, outcome);
            case CopyStatus.VerificationFailed:
                return Problem(StatusCodes.Status502BadGateway, "Copy Not Verified",
                    "OSS made the copy, but the destination is not what the request asked for: " + string.Join("; ", outcome.VerificationErrors), outcome);
            case CopyStatus.SourceChanged:
                return Problem(StatusCodes.Status412PreconditionFailed, "Source Changed",
                    "The source object changed while it was being copied; nothing was copied.", outcome);
            case CopyStatus.Failed:
            default:
                return MapFailure(outcome);
        }
    }

    /// <summary>The engine refused the request itself: 400 naming each field, as the request reader names them.</summary>
    public static ProblemResult Refusal(CopyValidationException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return ProblemResult.Create(StatusCodes.Status400BadRequest, "Invalid Copy Request", "The engine refused the request.",
            exception.Errors.GroupBy(e => CopyRequestReader.PointerOf(e.Field)).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()));
    }

    /// <summary>
    /// True when a repeat of the request would get the same answer (worth remembering under an Idempotency-Key).
    /// A 202 (restoring) is not: the same request copies the object once it is restored.
    /// </summary>
    public static bool IsFinal(JsonBodyResult result) =>
        result?.StatusCode is (>= 200 and < 300 and not StatusCodes.Status202Accepted) or (>= 400 and < 500 and not StatusCodes.Status408RequestTimeout and not StatusCodes.Status429TooManyRequests);

    private static ProblemResult MapFailure(CopyOutcome outcome)
    {
        var error = outcome.Error;
        var status = error?.StatusCode switch
        {
            // The engine's own refusals before any copy (another region, a source it cannot re-send).
            0 when error.Code is CopyErrorCodes.CrossRegionCopy or CopyErrorCodes.InvalidSource or CopyErrorCodes.InvalidTagging => StatusCodes.Status422UnprocessableEntity,
            >= 400 and < 500 and not StatusCodes.Status408RequestTimeout and not StatusCodes.Status429TooManyRequests => error.StatusCode,
            // 5xx, throttling, timeouts and network failures the client's retries did not overcome.
            _ => StatusCodes.Status502BadGateway,
        };
        var title = status == StatusCodes.Status502BadGateway ? "OSS Unavailable" : "OSS Refused The Copy";
        return Problem(status, title, error?.Message ?? "The copy failed.", outcome);
    }

    private static ProblemResult Problem(int status, string title, string detail, CopyOutcome outcome)
    {
        var extensions = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["code"] = outcome.Error?.Code,
            ["ossStatus"] = outcome.Error?.StatusCode,
            ["requestId"] = outcome.Error?.RequestId ?? outcome.RequestId,
            ["ec"] = outcome.Error?.Ec,
            ["outcome"] = outcome,
        };
        foreach (var key in extensions.Where(p => p.Value is null).Select(p => p.Key).ToList())
        {
            extensions.Remove(key);
        }

        return ProblemResult.Create(status, title, detail, extensions: extensions);
    }
}
