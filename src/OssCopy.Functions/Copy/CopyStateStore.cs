using Azure;
using Azure.Data.Tables;

namespace OssCopy.Functions.Copy;

/// <summary>Where a queued copy stands; <c>GET /api/copy/{id}</c> answers it.</summary>
public enum CopyRunStatus
{
    /// <summary>Recorded and queued; no worker holds it.</summary>
    Accepted,

    /// <summary>A worker (or the request that accepted it) is copying it, within its lease.</summary>
    Running,

    /// <summary>Done: the outcome is recorded.</summary>
    Succeeded,

    /// <summary>Done without a copy: the outcome (an OSS refusal, or the last failure before giving up) is recorded.</summary>
    Failed,
}

/// <summary>Who asked for a queued copy: it decides how an outcome is classified.</summary>
public enum CopyOrigin
{
    Webhook,
    Event,
}

/// <summary>One queued copy as stored: the request, who holds it and until when, and once done its outcome.</summary>
public sealed class CopyRecord
{
    public required string Id { get; init; }

    public required CopyOrigin Origin { get; init; }

    /// <summary>The engine's <c>CopyRequest</c> as JSON.</summary>
    public required string RequestJson { get; init; }

    public CopyRunStatus Status { get; set; }

    /// <summary>The holder of a running copy: only it records the outcome.</summary>
    public string? Attempt { get; set; }

    public DateTimeOffset? LeaseUntil { get; set; }

    /// <summary>How many times a worker took the copy up.</summary>
    public int Runs { get; set; }

    /// <summary>The answer as the 200 path sends it (same mapper); when retried, the last failure's.</summary>
    public StoredResponse? Response { get; set; }

    /// <summary>For event copies: how the outcome was classified (Copied, Superseded, Refused…).</summary>
    public string? Disposition { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; set; }

    public ETag ETag { get; set; }

    public bool IsFinal => Status is CopyRunStatus.Succeeded or CopyRunStatus.Failed;
}

/// <summary>
/// The copies table: one row per copy id. Insert-if-absent creates a copy once; every later change is conditional
/// on the row's ETag, so two workers never both take a copy up or both record its outcome.
/// </summary>
public sealed class CopyStateStore
{
    private const string Partition = "copy";

    private readonly AsyncCopyStorage _storage;

    public CopyStateStore(AsyncCopyStorage storage) => _storage = storage ?? throw new ArgumentNullException(nameof(storage));

    /// <summary>Inserts <paramref name="record"/>; false when a copy with its id exists already.</summary>
    public async Task<bool> TryCreateAsync(CopyRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var table = await _storage.TableAsync(AsyncCopyNames.CopiesTable, cancellationToken);
        try
        {
            var response = await table.AddEntityAsync(ToEntity(record), cancellationToken);
            record.ETag = response.Headers.ETag ?? default;
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    public async Task<CopyRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        var table = await _storage.TableAsync(AsyncCopyNames.CopiesTable, cancellationToken);
        var entity = await table.GetEntityIfExistsAsync<TableEntity>(Partition, id, cancellationToken: cancellationToken);
        return entity.HasValue ? FromEntity(entity.Value!) : null;
    }

    /// <summary>Writes <paramref name="record"/> if the row is still the one it was read as; false when another writer changed it since.</summary>
    public async Task<bool> TryReplaceAsync(CopyRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var table = await _storage.TableAsync(AsyncCopyNames.CopiesTable, cancellationToken);
        try
        {
            var response = await table.UpdateEntityAsync(ToEntity(record), record.ETag, TableUpdateMode.Replace, cancellationToken);
            record.ETag = response.Headers.ETag ?? default;
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404)
        {
            return false;
        }
    }

    private static TableEntity ToEntity(CopyRecord record)
    {
        var entity = new TableEntity(Partition, record.Id)
        {
            ["Origin"] = record.Origin.ToString(),
            ["Request"] = record.RequestJson,
            ["Status"] = record.Status.ToString(),
            ["Attempt"] = record.Attempt,
            ["LeaseUntil"] = record.LeaseUntil,
            ["Runs"] = record.Runs,
            ["Disposition"] = record.Disposition,
            ["CreatedAt"] = record.CreatedAt,
            ["UpdatedAt"] = record.UpdatedAt,
        };
        if (record.Response is { } response)
        {
            entity["ResponseStatus"] = response.StatusCode;
            entity["ResponseContentType"] = response.ContentType;
            entity["ResponseBody"] = response.Body;
            entity["ResponseLocation"] = response.Location;
        }

        return entity;
    }

    private static CopyRecord FromEntity(TableEntity entity) => new()
    {
        Id = entity.RowKey,
        Origin = Enum.Parse<CopyOrigin>(entity.GetString("Origin")),
        RequestJson = entity.GetString("Request"),
        Status = Enum.Parse<CopyRunStatus>(entity.GetString("Status")),
        Attempt = entity.GetString("Attempt"),
        LeaseUntil = entity.GetDateTimeOffset("LeaseUntil"),
        Runs = entity.GetInt32("Runs") ?? 0,
        Disposition = entity.GetString("Disposition"),
        CreatedAt = entity.GetDateTimeOffset("CreatedAt") ?? default,
        UpdatedAt = entity.GetDateTimeOffset("UpdatedAt") ?? default,
        Response = entity.GetInt32("ResponseStatus") is { } status
            ? new StoredResponse(status, entity.GetString("ResponseContentType"), entity.GetBinary("ResponseBody") ?? [], entity.GetString("ResponseLocation"))
            : null,
        ETag = entity.ETag,
    };
}
