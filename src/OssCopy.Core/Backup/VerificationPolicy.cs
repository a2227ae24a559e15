using OssCopy.Core.Copying;

namespace OssCopy.Core.Backup;

/// <summary>
/// The one place that decides how copies are verified. A plan's copies: the run's choice, else the plan's, else
/// <c>Backup:Verification</c> (<see cref="BackupRunnerOptions.Verification"/>, ETag by default: a bulk copy from a
/// listing proves itself in one request). A single copy (CLI <c>copy</c>, webhook, events): <c>CopyEngine:Verification</c>
/// (<see cref="CopyEngineOptions.Verification"/>, Full by default).
/// </summary>
public static class VerificationPolicy
{
    public static CopyVerification ForPlan(BackupPlan plan, BackupRunOptions? run, BackupRunnerOptions backup)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(backup);
        return run?.Verification ?? plan.Options?.Verification ?? backup.Verification;
    }

    public static CopyVerification ForSingleCopy(CopyEngineOptions engine)
    {
        ArgumentNullException.ThrowIfNull(engine);
        return engine.Verification;
    }
}
