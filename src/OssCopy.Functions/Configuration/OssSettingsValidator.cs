using Microsoft.Extensions.Options;
using OssCopy.Oss;

namespace OssCopy.Functions.Configuration;

/// <summary>
/// Names the app settings behind the client's options (<c>Oss:Region</c>, <c>Oss:Endpoint</c>), so a start-up
/// failure in the portal says which setting to fix; the client's own rules still apply beside these.
/// </summary>
public sealed class OssSettingsValidator : IValidateOptions<OssClientOptions>
{
    private const string Section = OssClientOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, OssClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Region))
        {
            errors.Add($"{Section}:Region is required: the OSS region id, such as cn-hangzhou.");
        }

        if (options.Endpoint is { Length: > 0 } endpoint && endpoint.Contains('@', StringComparison.Ordinal))
        {
            // Credentials belong in OSS_ACCESS_KEY_ID/SECRET, never in a URL that is logged.
            errors.Add($"{Section}:Endpoint must not carry credentials.");
        }

        if (options.UsePathStyle && options.UseInternalEndpoint && options.Endpoint is null)
        {
            errors.Add($"{Section}:UsePathStyle applies to a custom {Section}:Endpoint (LocalOss, an IP); OSS's internal endpoints are virtual-hosted.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
