namespace OssCopy.Oss.Models;

/// <summary>
/// RestoreObject (<c>POST /key?restore</c>): makes an Archive, Cold Archive or Deep Cold Archive object readable for
/// <see cref="Days"/> days. OSS answers 202 when the restore starts, 200 when the object was already restored (the
/// period is extended), and 409 <c>RestoreAlreadyInProgress</c> while a restore runs.
/// </summary>
public sealed class RestoreObjectRequest
{
    public required string Bucket { get; init; }

    public required string Key { get; init; }

    public string? VersionId { get; init; }

    /// <summary>How long the restored copy stays readable: 1–7 days for Archive, 1–365 for the cold classes; OSS's default (1) when null.</summary>
    public int? Days { get; init; }

    /// <summary>
    /// <c>Expedited</c>, <c>Standard</c> or <c>Bulk</c>: Cold Archive and Deep Cold Archive only. OSS refuses
    /// <c>JobParameters</c> for an Archive object (MalformedXML), so leave it null for those.
    /// </summary>
    public string? Tier { get; init; }
}

public sealed class RestoreObjectResult : OssResult
{
    public string? VersionId { get; init; }

    /// <summary>True when OSS started a restore (202); false when the object was already restored and its period extended (200).</summary>
    public bool Started => StatusCode == 202;
}

/// <summary>Values of a restore's <c>Tier</c> (how fast, and how dear, a cold object is restored).</summary>
public static class OssRestoreTier
{
    public const string Expedited = "Expedited";
    public const string Standard = "Standard";
    public const string Bulk = "Bulk";

    public static readonly IReadOnlyList<string> All = [Expedited, Standard, Bulk];

    public static string? Normalize(string? value, string paramName) => OssValidation.OneOf(value, All, paramName);
}

/// <summary>
/// An archived object's restore state, read from <c>x-oss-restore</c> (HEAD, GET): absent when no restore was asked
/// for (or it expired), <c>ongoing-request="true"</c> while restoring, <c>ongoing-request="false", expiry-date="…"</c>
/// once readable.
/// </summary>
public enum OssRestoreState
{
    /// <summary>No header: frozen (for an archived class), nothing under way.</summary>
    None,

    /// <summary><c>ongoing-request="true"</c>.</summary>
    Ongoing,

    /// <summary><c>ongoing-request="false"</c>: readable until the expiry date.</summary>
    Restored,
}

public static class OssRestore
{
    /// <summary>The header OSS reports an archived object's restore state in.</summary>
    public const string Header = "x-oss-restore";

    /// <summary>OSS's code for reading or copying an archived object that is not restored (403).</summary>
    public const string InvalidObjectState = "InvalidObjectState";

    /// <summary>OSS's code for a second RestoreObject while one runs (409).</summary>
    public const string RestoreAlreadyInProgress = "RestoreAlreadyInProgress";

    /// <summary>Whether objects of this storage class must be restored before they can be read or copied.</summary>
    public static bool IsArchived(string? storageClass) =>
        storageClass is not null
        && (storageClass.Equals(OssStorageClass.Archive, StringComparison.OrdinalIgnoreCase)
            || storageClass.Equals(OssStorageClass.ColdArchive, StringComparison.OrdinalIgnoreCase)
            || storageClass.Equals(OssStorageClass.DeepColdArchive, StringComparison.OrdinalIgnoreCase));

    /// <summary>Reads <c>x-oss-restore</c>; anything but an ongoing or finished restore counts as none.</summary>
    public static OssRestoreState Parse(string? header)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return OssRestoreState.None;
        }

        var value = header.Replace(" ", string.Empty, StringComparison.Ordinal);
        if (value.Contains("ongoing-request=\"true\"", StringComparison.OrdinalIgnoreCase))
        {
            return OssRestoreState.Ongoing;
        }

        return value.Contains("ongoing-request=\"false\"", StringComparison.OrdinalIgnoreCase) ? OssRestoreState.Restored : OssRestoreState.None;
    }
}
