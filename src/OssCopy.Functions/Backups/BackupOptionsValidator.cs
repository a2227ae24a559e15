using Microsoft.Extensions.Options;
using OssCopy.AzureStorage;

namespace OssCopy.Functions.Backups;

/// <summary>Every configured plan loads and checks at start (<see cref="BackupPlanCatalog.Load"/>); what is wrong names its setting.</summary>
public sealed class BackupOptionsValidator : IValidateOptions<BackupOptions>
{
    public ValidateOptionsResult Validate(string? name, BackupOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        BackupPlanCatalog.Load(options, AppContext.BaseDirectory, errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>
/// The queue triggers listen on fixed queue names (the attributes are compile-time constants): storage options that
/// name other queues would send work nobody reads, so they stop the app at start.
/// </summary>
public sealed class TriggerQueuesValidator : IValidateOptions<AzureStorageOptions>
{
    public ValidateOptionsResult Validate(string? name, AzureStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (!string.Equals(options.ListQueue, BackupQueueFunctions.ListQueue, StringComparison.Ordinal))
        {
            errors.Add($"{AzureStorageOptions.SectionName}:{nameof(AzureStorageOptions.ListQueue)} is '{options.ListQueue}', but the app's list-step trigger reads '{BackupQueueFunctions.ListQueue}'; leave it unset.");
        }

        if (!string.Equals(options.CopyQueue, BackupQueueFunctions.CopyQueue, StringComparison.Ordinal))
        {
            errors.Add($"{AzureStorageOptions.SectionName}:{nameof(AzureStorageOptions.CopyQueue)} is '{options.CopyQueue}', but the app's copy-batch trigger reads '{BackupQueueFunctions.CopyQueue}'; leave it unset.");
        }

        if (!string.Equals(options.Connection, BackupQueueFunctions.Connection, StringComparison.Ordinal))
        {
            errors.Add($"{AzureStorageOptions.SectionName}:{nameof(AzureStorageOptions.Connection)} is '{options.Connection}', but the app's queue triggers use '{BackupQueueFunctions.Connection}'; leave it unset.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
