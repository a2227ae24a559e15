using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using OssCopy.Core.Backup;
using OssCopy.Core.Copying;
using OssCopy.Core.State;

namespace OssCopy.AzureStorage.DistributedBackupRun;

/// <summary>
/// What every message handler of one run needs beyond the message: the plan itself, the run's choices, when it
/// started, and the sync manifest as the start found it (the ranges it may trust, and the manifest whose last full
/// reconcile the finalizer carries over). Written once by the start, before the first list step; read by handlers.
/// </summary>
public sealed record RunSpec
{
    /// <summary>The plan as JSON (<see cref="BackupPlanLoader"/>'s format): the run copies what it was started with.</summary>
    public required string PlanJson { get; init; }

    public CopyVerification? Verification { get; init; }

    public bool FullReconcile { get; init; }

    /// <summary>Decide and report only: nothing is copied, the sync manifest is neither withdrawn nor saved.</summary>
    public bool DryRun { get; init; }

    public DateTimeOffset StartedAt { get; init; }

    /// <summary>The ranges of the previous run's manifest this run reports without listing the destination.</summary>
    public IReadOnlyList<SyncRange> Trusted { get; init; } = [];

    /// <summary>The plan's manifest when valid for the plan (null: none, or another plan's).</summary>
    public SyncManifest? Manifest { get; init; }

    public BackupPlan Plan()
    {
        var plan = JsonSerializer.Deserialize<BackupPlan>(PlanJson, BackupPlanLoader.JsonOptions) ?? throw new InvalidDataException("The run spec holds no plan.");
        BackupPlanLoader.ThrowIfInvalid(plan);
        return plan;
    }

    public static string PlanToJson(BackupPlan plan) => JsonSerializer.Serialize(plan, BackupPlanLoader.JsonOptions);

    public BackupRunOptions RunOptions() => new() { Verification = Verification, FullReconcile = FullReconcile, DryRun = DryRun };
}

/// <summary>Run specs as blobs <c>~runs/{plan}/{runId}.json</c> in the state container (the <c>~</c> keeps them apart from plans' own state).</summary>
public sealed class RunSpecStore
{
    private readonly BlobContainerClient _container;

    public RunSpecStore(AzureStorageClients clients, AzureStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentNullException.ThrowIfNull(options);
        _container = clients.Blobs.GetBlobContainerClient(options.StateContainer);
    }

    public Task CreateIfNotExistsAsync(CancellationToken cancellationToken) => _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);

    public async Task SaveAsync(string plan, string runId, RunSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var body = BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(spec, ReportJson.CompactOptions));
        await _container.GetBlobClient(Name(plan, runId)).UploadAsync(body, new BlobUploadOptions(), cancellationToken);
    }

    /// <summary>The run's spec, or null when its start never wrote one.</summary>
    public async Task<RunSpec?> LoadAsync(string plan, string runId, CancellationToken cancellationToken)
    {
        try
        {
            var content = await _container.GetBlobClient(Name(plan, runId)).DownloadContentAsync(cancellationToken);
            return content.Value.Content.ToObjectFromJson<RunSpec>(ReportJson.CompactOptions);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    private static string Name(string plan, string runId)
    {
        ArgumentException.ThrowIfNullOrEmpty(plan);
        ArgumentException.ThrowIfNullOrEmpty(runId);
        return $"~runs/{plan}/{runId}.json";
    }
}
