using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using OssCopy.AzureStorage;
using OssCopy.Functions.Http;

namespace OssCopy.Functions.Backups;

/// <summary>
/// The backups API: <c>POST /api/backups/{plan}/runs</c> starts a run now (202 with its <c>Location</c>; 409 when one is
/// active, naming it; 404 for a plan the app does not have), <c>GET /api/backups</c> lists the plans with their last
/// run, <c>GET /api/backups/{plan}/runs/{runId}</c> shows a run's progress and, when done, its report blob.
/// </summary>
public sealed class BackupsFunction
{
    private readonly BackupPlanCatalog _catalog;
    private readonly BackupScheduler _scheduler;
    private readonly RunStore _runs;
    private readonly BlobReportStore _reports;
    private readonly AzureStorageOptions _storage;
    private readonly TimeProvider _time;

    public BackupsFunction(BackupPlanCatalog catalog, BackupScheduler scheduler, RunStore runs, BlobReportStore reports, IOptions<AzureStorageOptions> storage,
        TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(storage);
        _catalog = catalog ?? throw new ArgumentNullException(nameof(catalog));
        _scheduler = scheduler ?? throw new ArgumentNullException(nameof(scheduler));
        _runs = runs ?? throw new ArgumentNullException(nameof(runs));
        _reports = reports ?? throw new ArgumentNullException(nameof(reports));
        _storage = storage.Value;
        _time = time ?? throw new ArgumentNullException(nameof(time));
    }

    /// <summary>The API path of a run (what <c>Location</c> holds).</summary>
    public static string RunLocation(string plan, string runId) =>
        $"/api/backups/{Uri.EscapeDataString(plan)}/runs/{Uri.EscapeDataString(runId)}";

    [Function("StartBackupRun")]
    public async Task<IActionResult> StartAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "backups/{plan}/runs")] HttpRequest request, string plan)
    {
        ArgumentNullException.ThrowIfNull(request);
        var configured = _catalog.Find(plan);
        if (configured is null)
        {
            return UnknownPlan(plan);
        }

        var start = await _scheduler.StartAsync(configured, "the API", request.HttpContext.RequestAborted);
        var location = RunLocation(start.Run.Plan, start.Run.RunId);
        if (start.Outcome == RunStartOutcome.AlreadyActive)
        {
            var conflict = ProblemResult.Create(StatusCodes.Status409Conflict, "Run Already Active",
                $"Plan '{plan}' has run '{start.Run.RunId}' active ({start.Run.Status}); a plan runs once at a time.",
                extensions: new Dictionary<string, object?> { ["plan"] = plan, ["runId"] = start.Run.RunId, ["location"] = location });
            conflict.Headers["Location"] = location;
            return conflict;
        }

        var accepted = new JsonBodyResult(StatusCodes.Status202Accepted, View(start.Run));
        accepted.Headers["Location"] = location;
        return accepted;
    }

    [Function("ListBackups")]
    public async Task<IActionResult> ListAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "backups")] HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var plans = new List<PlanView>();
        foreach (var plan in _catalog.Plans)
        {
            var last = await _runs.GetLatestAsync(plan.Name, request.HttpContext.RequestAborted);
            plans.Add(new PlanView(
                plan.Name,
                $"oss://{plan.Plan.Source.Bucket}/{plan.Plan.Source.Prefix}",
                $"oss://{plan.Plan.Destination.Bucket}/{plan.Plan.Destination.Prefix}",
                plan.ScheduleExpression,
                $"/api/backups/{Uri.EscapeDataString(plan.Name)}/runs",
                last is null ? null : View(last)));
        }

        return new JsonBodyResult(StatusCodes.Status200OK, new { plans });
    }

    [Function("GetBackupRun")]
    public async Task<IActionResult> GetRunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "backups/{plan}/runs/{runId}")] HttpRequest request, string plan, string runId)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_catalog.Find(plan) is null)
        {
            return UnknownPlan(plan);
        }

        var run = string.IsNullOrEmpty(runId) ? null : await _runs.GetAsync(plan, runId, request.HttpContext.RequestAborted);
        return run is null
            ? ProblemResult.Create(StatusCodes.Status404NotFound, "Unknown Run", $"Plan '{plan}' has no run '{runId}'.",
                extensions: new Dictionary<string, object?> { ["plan"] = plan, ["runId"] = runId })
            : new JsonBodyResult(StatusCodes.Status200OK, View(run));
    }

    private RunView View(RunRecord run) => RunView.From(run, _time.GetUtcNow(), _reports, _storage.ReportsContainer);

    private ProblemResult UnknownPlan(string plan) =>
        ProblemResult.Create(StatusCodes.Status404NotFound, "Unknown Plan",
            $"The app has no backup plan '{plan}'. Configured plans: {string.Join(", ", _catalog.Plans.Select(p => p.Name))}.",
            extensions: new Dictionary<string, object?> { ["plan"] = plan });
}
