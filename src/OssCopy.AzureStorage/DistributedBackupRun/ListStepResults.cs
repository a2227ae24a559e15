using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using OssCopy.Core.Backup;

namespace OssCopy.AzureStorage.DistributedBackupRun;

/// <summary>
/// The first diff of each list step, kept until the step has moved its range's position. Two deliveries of one step
/// (a redelivery after a crash, or a message that became visible again while its first delivery still listed) must
/// send the same batches: a later diff sees the objects the first delivery's batches copied meanwhile as unchanged,
/// packs the rest differently under the same batch ids, and a batch id already completed would then drop objects
/// that no batch copies (and report copied objects as unchanged). The first result written wins (a blob created only
/// if absent); every delivery sends and records what it says. The results are removed when the run is finalized.
/// </summary>
public sealed class ListStepResults
{
    private readonly BlobContainerClient _container;

    public ListStepResults(AzureStorageClients clients, AzureStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentNullException.ThrowIfNull(options);
        _container = clients.Blobs.GetBlobContainerClient(options.StateContainer);
    }

    /// <summary>The step's result written by an earlier delivery, or null.</summary>
    public async Task<ListingWindowResult?> FindAsync(string plan, string runId, string stepId, CancellationToken cancellationToken)
    {
        try
        {
            var content = await _container.GetBlobClient(Name(plan, runId, stepId)).DownloadContentAsync(cancellationToken);
            return content.Value.Content.ToObjectFromJson<ListingWindowResult>(ReportJson.CompactOptions)
                ?? throw new InvalidDataException($"List step '{stepId}' of run '{runId}' has an empty stored result.");
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    /// <summary>Keeps <paramref name="result"/> unless a delivery of the step kept one first; returns the one kept.</summary>
    public async Task<ListingWindowResult> KeepFirstAsync(string plan, string runId, string stepId, ListingWindowResult result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(result);
        var body = BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(result, ReportJson.CompactOptions));
        try
        {
            await _container.GetBlobClient(Name(plan, runId, stepId)).UploadAsync(body,
                new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, cancellationToken);
            return result;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return await FindAsync(plan, runId, stepId, cancellationToken)
                ?? throw new InvalidOperationException($"List step '{stepId}' of run '{runId}': a result was written and is gone again.");
        }
    }

    /// <summary>
    /// Removes the results of a finished run's steps. Kept until then (not dropped once a step moved its position): a
    /// delivery still diffing when another moved the position must find the first result, not write its own.
    /// </summary>
    public async Task ForgetRunAsync(string plan, string runId, CancellationToken cancellationToken)
    {
        await foreach (var blob in _container.GetBlobsAsync(BlobTraits.None, BlobStates.None, Prefix(plan, runId), cancellationToken))
        {
            await _container.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: cancellationToken);
        }
    }

    private static string Name(string plan, string runId, string stepId)
    {
        ArgumentException.ThrowIfNullOrEmpty(stepId);
        return Prefix(plan, runId) + stepId + ".json";
    }

    private static string Prefix(string plan, string runId)
    {
        ArgumentException.ThrowIfNullOrEmpty(plan);
        ArgumentException.ThrowIfNullOrEmpty(runId);
        return $"~runs/{plan}/{runId}/steps/";
    }
}
