using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using OssCopy.Functions.Http;

namespace OssCopy.Functions.Copy;

/// <summary>
/// <c>GET /api/copy/{id}</c>: where a queued copy stands. While it is Accepted or Running: 202 with its status and
/// <c>Retry-After</c>. Once done: the answer the 200 path gives for the same outcome (same mapper, same JSON), with
/// the status in the <see cref="StatusHeader"/> header.
/// </summary>
public sealed class CopyStatusFunction
{
    public const string StatusHeader = "OssCopy-Copy-Status";

    /// <summary>For an OSS event's copy: how its outcome was classified (Copied, Superseded, Refused…).</summary>
    public const string DispositionHeader = "OssCopy-Event-Disposition";

    private readonly CopyStateStore _store;

    public CopyStatusFunction(CopyStateStore store) => _store = store ?? throw new ArgumentNullException(nameof(store));

    [Function("CopyStatus")]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "copy/{id}")] HttpRequest request,
        string id)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!AsyncCopyRunner.IsValidId(id))
        {
            return NotFound();
        }

        var record = await _store.GetAsync(id, request.HttpContext.RequestAborted);
        if (record is null)
        {
            return NotFound();
        }

        if (record.IsFinal && record.Response is { } response)
        {
            var done = new StoredResponseResult(response with { Location = null }, replayed: false);
            done.Headers[StatusHeader] = record.Status.ToString();
            if (record.Disposition is { } disposition)
            {
                done.Headers[DispositionHeader] = disposition;
            }

            return done;
        }

        var pending = new JsonBodyResult(StatusCodes.Status202Accepted, new CopyStatusBody(record.Id, record.Status, AsyncCopyRunner.LocationOf(record.Id), record.CreatedAt, record.UpdatedAt));
        pending.Headers[StatusHeader] = record.Status.ToString();
        pending.Headers["Retry-After"] = "5";
        return pending;
    }

    private static ProblemResult NotFound() =>
        ProblemResult.Create(StatusCodes.Status404NotFound, "Copy Not Found", "No queued copy has this id.");
}

/// <summary>A queued copy that is not done yet.</summary>
public sealed record CopyStatusBody(string Id, CopyRunStatus Status, string Location, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);
