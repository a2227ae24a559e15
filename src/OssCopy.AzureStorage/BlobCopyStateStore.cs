using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using OssCopy.Core.Backup;
using OssCopy.Core.State;

namespace OssCopy.AzureStorage;

/// <summary>A conditional write lost: someone else wrote the state since this store read it.</summary>
public sealed class CopyStateConflictException(string message, Exception inner) : Exception(message, inner);

/// <summary>
/// <see cref="ICopyStateStore"/> on blobs: <c>{plan}/checkpoint.json</c>, <c>{plan}/sync.json</c> and one blob per
/// lineage <c>{plan}/lineage/{hash of the destination key}.json</c> (workers record lineage concurrently; a blob each
/// needs no merging). Checkpoint and manifest writes are conditional on the ETag this store last saw for the blob
/// (If-Match; If-None-Match: * when it saw none), so a writer that lost ownership of a run gets
/// <see cref="CopyStateConflictException"/> instead of overwriting its successor. A blob this store never read is
/// written unconditionally. Uploads replace a blob as a whole: readers see the old or the new document.
/// </summary>
public sealed class BlobCopyStateStore : ICopyStateStore
{
    private static readonly ETag Absent = new("absent");

    private readonly BlobContainerClient _container;
    private readonly ConcurrentDictionary<string, ETag> _seen = new(StringComparer.Ordinal);

    public BlobCopyStateStore(AzureStorageClients clients, AzureStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentNullException.ThrowIfNull(options);
        _container = clients.Blobs.GetBlobContainerClient(options.StateContainer);
    }

    public Task CreateIfNotExistsAsync(CancellationToken cancellationToken) => _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);

    public Task<BackupCheckpoint?> LoadCheckpointAsync(string plan, CancellationToken cancellationToken) =>
        LoadAsync<BackupCheckpoint>(Name(plan, "checkpoint.json"), remember: true, cancellationToken);

    public Task SaveCheckpointAsync(string plan, BackupCheckpoint checkpoint, CancellationToken cancellationToken) =>
        SaveAsync(Name(plan, "checkpoint.json"), checkpoint, cancellationToken);

    public async Task DeleteCheckpointAsync(string plan, CancellationToken cancellationToken)
    {
        var name = Name(plan, "checkpoint.json");
        var conditions = Conditions(name);
        try
        {
            await _container.GetBlobClient(name).DeleteIfExistsAsync(conditions: conditions, cancellationToken: cancellationToken);
            _seen[name] = Absent;
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            throw new CopyStateConflictException($"The checkpoint of plan '{plan}' changed since this run read it; not deleting it.", e);
        }
    }

    public Task<SyncManifest?> LoadSyncManifestAsync(string plan, CancellationToken cancellationToken) =>
        LoadAsync<SyncManifest>(Name(plan, "sync.json"), remember: true, cancellationToken);

    public Task SaveSyncManifestAsync(string plan, SyncManifest manifest, CancellationToken cancellationToken) =>
        SaveAsync(Name(plan, "sync.json"), manifest, cancellationToken);

    public async Task RecordLineageAsync(string plan, CopyLineage lineage, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lineage);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(lineage, ReportJson.CompactOptions);
        await _container.GetBlobClient(LineageName(plan, lineage.DestinationKey)).UploadAsync(BinaryData.FromBytes(bytes), overwrite: true, cancellationToken);
    }

    public async Task<CopyLineage?> FindLineageAsync(string plan, string destinationKey, CancellationToken cancellationToken)
    {
        var lineage = await LoadAsync<CopyLineage>(LineageName(plan, destinationKey), remember: false, cancellationToken);

        // The name is a hash: a collision is astronomically unlikely, but a wrong lineage would skip a copy.
        return lineage is not null && lineage.DestinationKey == destinationKey ? lineage : null;
    }

    private async Task<T?> LoadAsync<T>(string name, bool remember, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            var content = await _container.GetBlobClient(name).DownloadContentAsync(cancellationToken);
            if (remember)
            {
                _seen[name] = content.Value.Details.ETag;
            }

            try
            {
                return content.Value.Content.ToObjectFromJson<T>(ReportJson.CompactOptions);
            }
            catch (JsonException)
            {
                // As the file store: a foreign document is as good as none (starting over is always safe).
                return null;
            }
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            if (remember)
            {
                _seen[name] = Absent;
            }

            return null;
        }
    }

    private async Task SaveAsync<T>(string name, T value, CancellationToken cancellationToken)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value, ReportJson.CompactOptions);
        var options = new BlobUploadOptions
        {
            Conditions = Conditions(name),
            HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
        };
        try
        {
            var response = await _container.GetBlobClient(name).UploadAsync(BinaryData.FromBytes(bytes), options, cancellationToken);
            _seen[name] = response.Value.ETag;
        }
        catch (RequestFailedException e) when (e.Status is 412 or 409)
        {
            throw new CopyStateConflictException($"'{name}' in container '{_container.Name}' was written by someone else since this store read it.", e);
        }
    }

    private BlobRequestConditions? Conditions(string name)
    {
        if (!_seen.TryGetValue(name, out var etag))
        {
            return null;
        }

        return etag == Absent ? new BlobRequestConditions { IfNoneMatch = ETag.All } : new BlobRequestConditions { IfMatch = etag };
    }

    private static string Name(string plan, string file)
    {
        ArgumentException.ThrowIfNullOrEmpty(plan);
        return $"{plan}/{file}";
    }

    private static string LineageName(string plan, string destinationKey)
    {
        ArgumentNullException.ThrowIfNull(destinationKey);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(destinationKey)));
        return Name(plan, $"lineage/{hash}.json");
    }
}
