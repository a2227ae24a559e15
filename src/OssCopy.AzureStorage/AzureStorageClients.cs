using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;

namespace OssCopy.AzureStorage;

/// <summary>
/// The three service clients of one storage account, built from configuration the way the Functions host reads a
/// storage connection such as <c>AzureWebJobsStorage</c>: either a connection string under the name (or under
/// <c>ConnectionStrings:{name}</c>), or an identity-based section <c>{name}__blobServiceUri</c> /
/// <c>__queueServiceUri</c> / <c>__tableServiceUri</c> (or <c>__serviceUri</c>, or <c>__accountName</c>) with
/// <c>__credential=managedidentity</c> and <c>__clientId</c> for a user-assigned identity. Queue clients encode
/// messages as Base64, which the Functions queue trigger expects.
/// </summary>
public sealed class AzureStorageClients
{
    public AzureStorageClients(TableServiceClient tables, QueueServiceClient queues, BlobServiceClient blobs)
    {
        Tables = tables ?? throw new ArgumentNullException(nameof(tables));
        Queues = queues ?? throw new ArgumentNullException(nameof(queues));
        Blobs = blobs ?? throw new ArgumentNullException(nameof(blobs));
    }

    public TableServiceClient Tables { get; }

    public QueueServiceClient Queues { get; }

    public BlobServiceClient Blobs { get; }

    /// <summary>Queue clients of this account encode as the Functions queue trigger decodes.</summary>
    public static QueueClientOptions QueueOptions() => new() { MessageEncoding = QueueMessageEncoding.Base64 };

    /// <summary>From a connection string (<c>UseDevelopmentStorage=true</c> or an account's).</summary>
    public static AzureStorageClients FromConnectionString(string connectionString)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        return new AzureStorageClients(
            new TableServiceClient(connectionString),
            new QueueServiceClient(connectionString, QueueOptions()),
            new BlobServiceClient(connectionString));
    }

    /// <summary>
    /// Reads the connection named <paramref name="name"/>; throws <see cref="InvalidOperationException"/> naming the
    /// settings it looked at when it finds none or finds them malformed. Secrets are never part of the message.
    /// </summary>
    public static AzureStorageClients FromConfiguration(IConfiguration configuration, string name, TokenCredential? credential = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrEmpty(name);

        // The host accepts ConnectionStrings:{name}, then {name}; a section with children is identity-based.
        var connectionString = configuration.GetConnectionString(name);
        var section = configuration.GetSection(name);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            connectionString = section.Value;
        }

        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            try
            {
                return FromConnectionString(connectionString);
            }
            catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
            {
                // The SDK's message may quote the string, key included: name the setting only.
                throw new InvalidOperationException($"The storage connection setting '{name}' is not a valid Azure Storage connection string ({e.GetType().Name}).", e);
            }
        }

        if (!section.GetChildren().Any())
        {
            throw new InvalidOperationException(
                $"The storage connection '{name}' is not configured: set '{name}' to a connection string (UseDevelopmentStorage=true for Azurite), " +
                $"or '{name}__blobServiceUri', '{name}__queueServiceUri' and '{name}__tableServiceUri' (or '{name}__accountName') for an identity-based connection.");
        }

        credential ??= CreateCredential(section, name);
        var blobUri = ServiceUri(section, name, "blob");
        var queueUri = ServiceUri(section, name, "queue");
        var tableUri = ServiceUri(section, name, "table");
        return new AzureStorageClients(
            new TableServiceClient(tableUri, credential),
            new QueueServiceClient(queueUri, credential, QueueOptions()),
            new BlobServiceClient(blobUri, credential));
    }

    private static Uri ServiceUri(IConfigurationSection section, string name, string service)
    {
        var setting = service + "ServiceUri";
        var value = section[setting];
        if (string.IsNullOrWhiteSpace(value))
        {
            // A single-service connection names its one URI serviceUri, as the host's client factory reads it.
            setting = "serviceUri";
            value = section[setting];
        }

        if (string.IsNullOrWhiteSpace(value) && section["accountName"] is { Length: > 0 } account)
        {
            setting = "accountName";
            value = $"https://{account}.{service}.core.windows.net";
        }

        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidOperationException($"The storage connection '{name}' has no {service} endpoint: set '{name}__{service}ServiceUri' (or '{name}__accountName').");
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            throw new InvalidOperationException($"The setting '{name}__{setting}' must be an absolute http(s) URI; it was '{value}'.");
        }

        return uri;
    }

    private static TokenCredential CreateCredential(IConfigurationSection section, string name)
    {
        var kind = section["credential"];
        var clientId = section["clientId"];
        if (string.Equals(kind, "managedidentity", StringComparison.OrdinalIgnoreCase))
        {
            return new ManagedIdentityCredential(string.IsNullOrWhiteSpace(clientId)
                ? ManagedIdentityId.SystemAssigned
                : ManagedIdentityId.FromUserAssignedClientId(clientId));
        }

        if (!string.IsNullOrWhiteSpace(kind))
        {
            throw new InvalidOperationException($"The setting '{name}__credential' must be 'managedidentity' or absent; it was '{kind}'.");
        }

        var tenantId = section["tenantId"];
        var secret = section["clientSecret"];
        if (!string.IsNullOrWhiteSpace(secret))
        {
            if (string.IsNullOrWhiteSpace(tenantId) || string.IsNullOrWhiteSpace(clientId))
            {
                throw new InvalidOperationException($"The storage connection '{name}' has a client secret: '{name}__tenantId' and '{name}__clientId' are required with it.");
            }

            return new ClientSecretCredential(tenantId, clientId, secret);
        }

        // As the host without a credential setting: the default chain, with the client id for a user-assigned identity.
        return new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = string.IsNullOrWhiteSpace(clientId) ? null : clientId });
    }
}
