using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Configuration;
using OssCopy.Core.Copying;
using OssCopy.Oss;

namespace OssCopy.Core.Backup;

/// <summary>Loads plans from JSON files or app settings and checks them, naming every problem by its JSON path.</summary>
public static class BackupPlanLoader
{
    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        // Names only: a number ("verify": 0) is not a documented value, and an undefined one would pass unnoticed.
        Converters = { new JsonStringEnumConverter(namingPolicy: null, allowIntegerValues: false) },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>Reads and validates a plan file; throws <see cref="CopyValidationException"/> for a plan that cannot run.</summary>
    public static async Task<BackupPlan> LoadFileAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        await using var stream = File.OpenRead(path);
        return await LoadAsync(stream, cancellationToken);
    }

    public static async Task<BackupPlan> LoadAsync(Stream json, CancellationToken cancellationToken)
    {
        BackupPlan? plan;
        try
        {
            plan = await JsonSerializer.DeserializeAsync<BackupPlan>(json, JsonOptions, cancellationToken);
        }
        catch (JsonException ex)
        {
            throw new CopyValidationException([new CopyValidationError(ex.Path ?? "$", ex.Message)]);
        }

        if (plan is null)
        {
            throw new CopyValidationException([new CopyValidationError("$", "The plan is empty.")]);
        }

        ThrowIfInvalid(plan);
        return plan;
    }

    public static BackupPlan Parse(string json)
    {
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json));
        return LoadAsync(stream, CancellationToken.None).GetAwaiter().GetResult();
    }

    /// <summary>Plans from a configuration section holding an array of plans (e.g. <c>Backup:Plans:0:Name</c>).</summary>
    public static IReadOnlyList<BackupPlan> FromConfiguration(IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var plans = section.Get<List<BackupPlan>>() ?? [];
        foreach (var plan in plans)
        {
            ThrowIfInvalid(plan);
        }

        return plans;
    }

    public static void ThrowIfInvalid(BackupPlan plan)
    {
        var errors = Validate(plan);
        if (errors.Count > 0)
        {
            throw new CopyValidationException(errors);
        }
    }

    public static IReadOnlyList<CopyValidationError> Validate(BackupPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var errors = new List<CopyValidationError>();
        if (string.IsNullOrEmpty(plan.Name) || plan.Name.Length > 64 || !plan.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
        {
            errors.Add(new("name", "is required: 1-64 letters, digits, '.', '_' or '-'."));
        }

        CheckLocation(errors, "source", plan.Source);
        CheckLocation(errors, "destination", plan.Destination);
        if (plan.Source is not null && plan.Destination is not null && plan.Source.Bucket == plan.Destination.Bucket
            && (plan.Destination.Prefix.StartsWith(plan.Source.Prefix, StringComparison.Ordinal) || plan.Source.Prefix.StartsWith(plan.Destination.Prefix, StringComparison.Ordinal)))
        {
            // Overlapping prefixes in one bucket make every run back up the previous run's copies.
            errors.Add(new("destination.prefix", "overlaps the source prefix in the same bucket; use a disjoint prefix or another bucket."));
        }

        CheckPatterns(errors, "include", plan.Include);
        CheckPatterns(errors, "exclude", plan.Exclude);
        CheckOptions(errors, plan.Options ?? new BackupCopyOptions());
        var placeholders = new TagPlaceholders(string.IsNullOrEmpty(plan.Name) ? "plan" : plan.Name, new DateOnly(2026, 1, 1), plan.Source?.Bucket ?? "bucket");
        for (var i = 0; i < (plan.TagRules?.Count ?? 0); i++)
        {
            CheckRule(errors, $"tagRules[{i}]", plan.TagRules![i], placeholders);
        }

        return errors;
    }

    private static void CheckLocation(List<CopyValidationError> errors, string path, BucketLocation? location)
    {
        if (location is null)
        {
            errors.Add(new(path, "is required."));
            return;
        }

        if (!OssValidation.IsValidBucketName(location.Bucket))
        {
            errors.Add(new(path + ".bucket", $"'{location.Bucket}' is not a valid bucket name."));
        }

        location.Prefix ??= string.Empty;
        if (location.Prefix.StartsWith('/'))
        {
            errors.Add(new(path + ".prefix", "must not start with '/': OSS keys have no leading slash."));
        }

        if (System.Text.Encoding.UTF8.GetByteCount(location.Prefix) > OssValidation.MaxKeyBytes)
        {
            errors.Add(new(path + ".prefix", "is longer than an object key may be."));
        }
    }

    private static void CheckPatterns(List<CopyValidationError> errors, string path, List<string>? patterns)
    {
        for (var i = 0; i < (patterns?.Count ?? 0); i++)
        {
            if (string.IsNullOrEmpty(patterns![i]))
            {
                errors.Add(new($"{path}[{i}]", "must not be empty."));
            }
        }
    }

    private static void CheckOptions(List<CopyValidationError> errors, BackupCopyOptions options)
    {
        Check(errors, "options.storageClass", () => OssStorageClass.Normalize(options.StorageClass, "storageClass"));
        Check(errors, "options.objectAcl", () => OssObjectAcl.Normalize(options.ObjectAcl, "objectAcl"));
        string? sse = null;
        Check(errors, "options.serverSideEncryption", () => sse = OssServerSideEncryption.Normalize(options.ServerSideEncryption, "serverSideEncryption"));
        if (sse != OssServerSideEncryption.KMS && (options.ServerSideEncryptionKeyId is not null || options.ServerSideDataEncryption is not null))
        {
            errors.Add(new("options.serverSideEncryptionKeyId", "and serverSideDataEncryption apply only with serverSideEncryption KMS."));
        }

        if (options.Parallelism is < 1 or > 1024)
        {
            errors.Add(new("options.parallelism", "must be between 1 and 1024."));
        }

        CheckArchived(errors, options);
    }

    /// <summary>The archived-source options, checked as a copy request would check them, named by their JSON path.</summary>
    private static void CheckArchived(List<CopyValidationError> errors, BackupCopyOptions options)
    {
        var probe = new CopyRequest
        {
            Bucket = "probe", Key = "probe", SourceKey = "probe", SourceBucket = "probe-source",
            Archived = options.Archived, RestoreDays = options.RestoreDays, RestoreTier = options.RestoreTier,
        };
        foreach (var error in CopyRequestValidator.Validate(probe))
        {
            var path = error.Field switch
            {
                nameof(CopyRequest.Archived) => "options.archived",
                nameof(CopyRequest.RestoreDays) => "options.restoreDays",
                nameof(CopyRequest.RestoreTier) => "options.restoreTier",
                _ => null,
            };
            if (path is not null)
            {
                errors.Add(new(path, error.Message.Replace("Archived Restore", "archived: restore", StringComparison.Ordinal)));
            }
        }
    }

    private static void CheckRule(List<CopyValidationError> errors, string path, TagRule? rule, TagPlaceholders placeholders)
    {
        if (rule is null)
        {
            errors.Add(new(path, "is empty."));
            return;
        }

        if (rule.MinSize is < 0 || rule.MaxSize is < 0 || rule.MinSize > rule.MaxSize)
        {
            errors.Add(new(path + ".minSize", "and maxSize must be non-negative with minSize <= maxSize."));
        }

        if (rule.Action == TagAction.Copy && rule.Tagging is not null)
        {
            errors.Add(new(path + ".tagging", "is not used by the Copy action: use Replace or Merge."));
        }
        else if (rule.Action == TagAction.Merge && string.IsNullOrEmpty(rule.Tagging))
        {
            errors.Add(new(path + ".tagging", "is required by the Merge action."));
        }
        else if (rule.Action != TagAction.Copy)
        {
            Check(errors, path + ".tagging", () => TagTemplate.Expand(rule.Tagging, placeholders, "tagging"));
        }
    }

    private static void Check(List<CopyValidationError> errors, string field, Action check)
    {
        try
        {
            check();
        }
        catch (ArgumentException ex)
        {
            var message = ex.ParamName is null ? ex.Message : ex.Message.Replace($" (Parameter '{ex.ParamName}')", string.Empty, StringComparison.Ordinal);
            errors.Add(new(field, message));
        }
    }
}
