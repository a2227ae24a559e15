using System.Text;
using System.Text.Json;
using OssCopy.Core.Backup;

namespace OssCopy.Core.State;

/// <summary>
/// The CLI's state: per plan, <c>{plan}.checkpoint.json</c> (replaced atomically, so a crash mid-write leaves the
/// previous checkpoint), <c>{plan}.sync.json</c> (the sync manifest, replaced the same way) and <c>{plan}.lineage.ndjson</c> (appended, one copy per line, the last line for a key wins).
/// Lineage is loaded once per plan; it only holds objects whose copy got its own ETag, which are few.
/// </summary>
public sealed class FileCopyStateStore : ICopyStateStore, IDisposable
{
    private readonly string _directory;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, Dictionary<string, CopyLineage>> _lineage = new(StringComparer.Ordinal);

    public FileCopyStateStore(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        _directory = directory;
    }

    public string Directory => _directory;

    public async Task<BackupCheckpoint?> LoadCheckpointAsync(string plan, CancellationToken cancellationToken)
    {
        var path = CheckpointPath(plan);
        if (!File.Exists(path))
        {
            return null;
        }

        await using var stream = File.OpenRead(path);
        try
        {
            return await JsonSerializer.DeserializeAsync<BackupCheckpoint>(stream, ReportJson.Options, cancellationToken);
        }
        catch (JsonException)
        {
            // Checkpoints are replaced atomically, so this is a hand-edited file: starting over is safe (the diff
            // finds what is already copied), refusing to run is not helpful.
            return null;
        }
    }

    public Task SaveCheckpointAsync(string plan, BackupCheckpoint checkpoint, CancellationToken cancellationToken) =>
        ReplaceAsync(CheckpointPath(plan), checkpoint, cancellationToken);

    public async Task<SyncManifest?> LoadSyncManifestAsync(string plan, CancellationToken cancellationToken)
    {
        var path = ManifestPath(plan);
        if (!File.Exists(path))
        {
            return null;
        }

        await using var stream = File.OpenRead(path);
        try
        {
            return await JsonSerializer.DeserializeAsync<SyncManifest>(stream, ReportJson.CompactOptions, cancellationToken);
        }
        catch (JsonException)
        {
            // Hand-edited or foreign: without a manifest the run lists the destination everywhere, which is always right.
            return null;
        }
    }

    public Task SaveSyncManifestAsync(string plan, SyncManifest manifest, CancellationToken cancellationToken) =>
        ReplaceAsync(ManifestPath(plan), manifest, cancellationToken, ReportJson.CompactOptions);

    public Task DeleteCheckpointAsync(string plan, CancellationToken cancellationToken)
    {
        // A first run that finishes before any checkpoint was written has no folder yet.
        var path = CheckpointPath(plan);
        if (File.Exists(path))
        {
            File.Delete(path);
        }

        return Task.CompletedTask;
    }

    public async Task RecordLineageAsync(string plan, CopyLineage lineage, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lineage);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var map = await LoadLineageAsync(plan, cancellationToken);
            System.IO.Directory.CreateDirectory(_directory);
            var line = JsonSerializer.Serialize(lineage, ReportJson.CompactOptions) + "\n";
            await File.AppendAllTextAsync(LineagePath(plan), line, Encoding.UTF8, cancellationToken);
            map[lineage.DestinationKey] = lineage;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<CopyLineage?> FindLineageAsync(string plan, string destinationKey, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var map = await LoadLineageAsync(plan, cancellationToken);
            return map.TryGetValue(destinationKey, out var lineage) ? lineage : null;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    private async Task<Dictionary<string, CopyLineage>> LoadLineageAsync(string plan, CancellationToken cancellationToken)
    {
        if (_lineage.TryGetValue(plan, out var map))
        {
            return map;
        }

        map = new Dictionary<string, CopyLineage>(StringComparer.Ordinal);
        var path = LineagePath(plan);
        if (File.Exists(path))
        {
            foreach (var line in await File.ReadAllLinesAsync(path, cancellationToken))
            {
                // A line cut short by a crash is skipped: losing one lineage only costs a HEAD or a re-copy later.
                if (line.Length > 0 && TryParse(line) is { } lineage)
                {
                    map[lineage.DestinationKey] = lineage;
                }
            }
        }

        _lineage[plan] = map;
        return map;
    }

    /// <summary>Writes a temporary file and moves it over the old one, so a crash mid-write leaves the previous state.</summary>
    private async Task ReplaceAsync<T>(string path, T value, CancellationToken cancellationToken, JsonSerializerOptions? options = null)
    {
        System.IO.Directory.CreateDirectory(_directory);
        var temp = path + ".tmp";
        await using (var stream = File.Create(temp))
        {
            await JsonSerializer.SerializeAsync(stream, value, options ?? ReportJson.Options, cancellationToken);
        }

        File.Move(temp, path, overwrite: true);
    }

    private static CopyLineage? TryParse(string line)
    {
        try
        {
            return JsonSerializer.Deserialize<CopyLineage>(line, ReportJson.CompactOptions);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private string CheckpointPath(string plan) => Path.Combine(_directory, SafeName(plan) + ".checkpoint.json");

    private string ManifestPath(string plan) => Path.Combine(_directory, SafeName(plan) + ".sync.json");

    private string LineagePath(string plan) => Path.Combine(_directory, SafeName(plan) + ".lineage.ndjson");

    private static string SafeName(string plan)
    {
        ArgumentException.ThrowIfNullOrEmpty(plan);
        return string.Concat(plan.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_'));
    }
}
