using Microsoft.Extensions.Configuration;

namespace OssCopy.AzureStorage.Tests;

[Collection(AzuriteTests.Name)]
public sealed class ConnectionTests(AzuriteFixture azurite)
{
    private static IConfiguration Config(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();

    [Fact]
    public async Task A_connection_string_setting_reaches_Azurite_for_all_three_services()
    {
        var clients = AzureStorageClients.FromConfiguration(Config(("AzureWebJobsStorage", azurite.ConnectionString)), "AzureWebJobsStorage");
        var options = TestNames.UniqueOptions();

        await clients.Tables.GetTableClient(options.RunsTable).CreateAsync();
        await clients.Queues.GetQueueClient(options.CopyQueue).CreateAsync();
        await clients.Blobs.GetBlobContainerClient(options.ReportsContainer).CreateAsync();

        Assert.Equal(azurite.QueuePort, clients.Queues.Uri.Port);
        Assert.Equal(azurite.TablePort, clients.Tables.Uri.Port);
        Assert.Equal(azurite.BlobPort, clients.Blobs.Uri.Port);
    }

    [Fact]
    public void ConnectionStrings_section_and_development_storage_are_read_as_the_host_reads_them()
    {
        var clients = AzureStorageClients.FromConfiguration(Config(("ConnectionStrings:Storage", "UseDevelopmentStorage=true")), "Storage");

        Assert.Equal(new Uri("http://127.0.0.1:10000/devstoreaccount1"), clients.Blobs.Uri);
        Assert.Equal("devstoreaccount1", clients.Queues.AccountName);
    }

    [Fact]
    public void Identity_based_settings_give_each_service_its_own_uri()
    {
        // Environment variables name them Storage__blobServiceUri; configuration sees Storage:blobServiceUri.
        var clients = AzureStorageClients.FromConfiguration(Config(
            ("Storage:blobServiceUri", "https://acct.blob.core.windows.net"),
            ("Storage:queueServiceUri", "https://acct.queue.core.windows.net"),
            ("Storage:tableServiceUri", "https://acct.table.core.windows.net"),
            ("Storage:credential", "managedidentity"),
            ("Storage:clientId", "00000000-0000-0000-0000-000000000001")), "Storage");

        Assert.Equal("acct.blob.core.windows.net", clients.Blobs.Uri.Host);
        Assert.Equal("acct.queue.core.windows.net", clients.Queues.Uri.Host);
        Assert.Equal("acct.table.core.windows.net", clients.Tables.Uri.Host);
    }

    [Fact]
    public void An_account_name_alone_derives_the_public_endpoints()
    {
        var clients = AzureStorageClients.FromConfiguration(Config(("Storage:accountName", "acct")), "Storage");

        Assert.Equal("acct.table.core.windows.net", clients.Tables.Uri.Host);
    }

    [Theory]
    [InlineData("Other", "nothing", "'Storage' is not configured")]
    [InlineData("Storage:blobServiceUri", "https://acct.blob.core.windows.net", "'Storage__queueServiceUri'")]
    [InlineData("Storage:credential", "password", "'Storage__credential'")]
    public void A_missing_or_wrong_setting_is_named_at_start(string key, string value, string expected)
    {
        var error = Assert.Throws<InvalidOperationException>(() => AzureStorageClients.FromConfiguration(Config((key, value)), "Storage"));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_uri_names_its_setting()
    {
        var error = Assert.Throws<InvalidOperationException>(() => AzureStorageClients.FromConfiguration(Config(
            ("Storage:blobServiceUri", "https://acct.blob.core.windows.net"),
            ("Storage:queueServiceUri", "not a uri"),
            ("Storage:tableServiceUri", "https://acct.table.core.windows.net")), "Storage"));

        Assert.Contains("'Storage__queueServiceUri'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_connection_string_is_named_without_its_key()
    {
        const string secret = "c2VjcmV0LWtleS1ub3QtdG8tbGVhaw==";
        var error = Assert.Throws<InvalidOperationException>(() => AzureStorageClients.FromConfiguration(
            Config(("Storage", "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=" + secret + ";BlobEndpoint=::bad")), "Storage"));

        Assert.Contains("'Storage'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_names_in_the_options_are_named_by_their_setting()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new AzureStorageOptions { CopyQueue = "Copy_Queue" }.Validate());

        Assert.Contains("OssCopy:AzureStorage:CopyQueue", error.Message, StringComparison.Ordinal);
        new AzureStorageOptions().Validate();
    }
}
