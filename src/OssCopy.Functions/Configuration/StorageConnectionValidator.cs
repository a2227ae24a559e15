using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using OssCopy.AzureStorage;

namespace OssCopy.Functions.Configuration;

/// <summary>
/// The storage connection the queued copies, events and backups need (<c>AzureWebJobsStorage</c>: a connection string or
/// identity-based <c>__serviceUri</c> settings) must be usable at start, so a missing or malformed one stops the app
/// naming the setting instead of failing the first queued copy. Building the clients makes no request.
/// </summary>
public sealed class StorageConnectionValidator(IConfiguration configuration) : IValidateOptions<AzureStorageOptions>
{
    public ValidateOptionsResult Validate(string? name, AzureStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            _ = AzureStorageClients.FromConfiguration(configuration, options.Connection);
            return ValidateOptionsResult.Success;
        }
        catch (InvalidOperationException ex)
        {
            // FromConfiguration's messages name the setting and never quote a connection string's key.
            return ValidateOptionsResult.Fail(ex.Message);
        }
    }
}
