namespace OssCopy.Identity;

/// <summary>Which Azure identity asks Entra ID for the OIDC token. Bound from <c>Oss:Credentials:AzureIdentity</c>.</summary>
public sealed class AzureIdentityOptions
{
    public const string SectionName = "Oss:Credentials:AzureIdentity";

    /// <summary>The scope of the token; its audience must be a client id of the OIDC provider in RAM.</summary>
    public string Scope { get; set; } = "api://AzureADTokenExchange/.default";

    /// <summary>A user-assigned managed identity's client id; empty means the system-assigned one (in Azure).</summary>
    public string? ManagedIdentityClientId { get; set; }
}
