using Microsoft.Extensions.Logging;

namespace LocalOss.Tests.Support;

/// <summary>One in-memory LocalOss per test class, on a free port.</summary>
public class ServerFixture : IAsyncLifetime
{
    public LocalOssServer Server { get; private set; } = null!;

    public OssTestClient Client { get; private set; } = null!;

    /// <summary>Warnings and errors the server logged (an unexpected failure shows up here).</summary>
    public CapturingLoggerProvider Log { get; } = new();

    public HttpClient Http { get; private set; } = null!;

    protected virtual void Configure(LocalOssOptions options)
    {
    }

    public async Task InitializeAsync()
    {
        var options = new LocalOssOptions { Port = 0, DataDirectory = null };
        options.Regions.Clear();
        Configure(options);
        Server = await LocalOssServer.StartAsync(options, logging => logging.AddProvider(Log));
        // Metadata values may be non-ASCII: sent and read as UTF-8 bytes, as the OSS SDKs do.
        Http = new HttpClient(new SocketsHttpHandler
        {
            RequestHeaderEncodingSelector = (_, _) => System.Text.Encoding.UTF8,
            ResponseHeaderEncodingSelector = (_, _) => System.Text.Encoding.UTF8,
        }) { Timeout = TimeSpan.FromSeconds(60) };
        Client = new OssTestClient(Http, Server.BaseAddress);
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        await Server.DisposeAsync();
    }

    /// <summary>A fresh bucket in <paramref name="region"/>.</summary>
    public async Task<string> NewBucketAsync(string region = "cn-hangzhou", bool versioned = false)
    {
        var name = OssTestClient.NewBucketName();
        var created = await Client.CreateBucketAsync(name, region);
        Assert.Equal(200, created.Status);
        if (versioned)
        {
            var answer = await Client.SendAsync(new OssCall(HttpMethod.Put, name) { Region = region }
                .Q("versioning")
                .WithBody("<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>"));
            Assert.Equal(200, answer.Status);
        }

        return name;
    }
}
