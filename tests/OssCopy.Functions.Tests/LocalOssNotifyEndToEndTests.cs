using OssCopy.AzureStorage.Tests;
using LocalOss;
using LocalOss.Notifications;
using Microsoft.Extensions.Hosting;
using OssCopy.Functions.Tests.Support;
using OssCopy.Oss;
using OssCopy.Oss.Credentials;
using OssCopy.Oss.Models;

namespace OssCopy.Functions.Tests;

/// <summary>
/// LocalOss notifies → a loopback listener runs the app's <c>/api/events</c> function → the object is copied to the
/// route's destination. One LocalOss, listener and app per format.
/// </summary>
public abstract class NotifyEndToEndFixture(LocalOssNotifyFormat format) : IAsyncLifetime
{
    public LocalOssServer Oss { get; private set; } = null!;

    public FunctionForwarder Forwarder { get; private set; } = null!;

    public IOssClient Admin { get; private set; } = null!;

    public IHost App { get; private set; } = null!;

    public CapturingLoggerProvider Logs { get; } = new();

    public AzuriteFixture Azurite { get; } = new();

    /// <summary>Runs the copies the events queued through the app's queue function, as the host would.</summary>
    public Task<int> DrainAsync() => new CopyQueueDriver(Azurite.ConnectionString).DrainAsync(App);

    public LocalOssNotifyFormat Format => format;

    public async Task InitializeAsync()
    {
        await Azurite.InitializeAsync();
        Forwarder = await FunctionForwarder.StartAsync();
        var options = new LocalOssOptions { Port = 0, DataDirectory = null, RestoreDelay = TimeSpan.Zero };
        options.Accounts.Add(new LocalOssAccount { AccessKeyId = FunctionsAppFixture.AccessKeyId, AccessKeySecret = FunctionsAppFixture.AccessKeySecret });
        options.Notify.Url = Forwarder.EventsUrl;
        options.Notify.Format = format;
        options.Notify.Secret = FunctionsAppFixture.EventSecret;
        options.Notify.RetryDelay = TimeSpan.FromMilliseconds(20);
        Oss = await LocalOssServer.StartAsync(options);
        Admin = OssClient.Create(new OssClientOptions { Region = "cn-hangzhou", Endpoint = Oss.BaseAddress.ToString(), UsePathStyle = true, MaxRetries = 0 },
            new StaticCredentialsProvider(new OssCredentials(FunctionsAppFixture.AccessKeyId, FunctionsAppFixture.AccessKeySecret)));
        foreach (var bucket in new[] { FunctionsAppFixture.EventSourceBucket, FunctionsAppFixture.EventDestinationBucket })
        {
            await Admin.PutBucketAsync(new PutBucketRequest { Bucket = bucket });
        }

        App = BuildApp(trustLocalOss: true);
        Forwarder.App = App;
    }

    /// <summary>The app as configured for a local run against this LocalOss; MNS pushes are trusted only with <paramref name="trustLocalOss"/>.</summary>
    public IHost BuildApp(bool trustLocalOss)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Oss:Region"] = "cn-hangzhou",
            ["Oss:Endpoint"] = Oss.BaseAddress.ToString(),
            ["Oss:UsePathStyle"] = "true",
            ["Oss:MaxRetries"] = "1",
            ["OSS_ACCESS_KEY_ID"] = FunctionsAppFixture.AccessKeyId,
            ["OSS_ACCESS_KEY_SECRET"] = FunctionsAppFixture.AccessKeySecret,
            ["Events:Routes:0:SourceBucket"] = FunctionsAppFixture.EventSourceBucket,
            ["Events:Routes:0:SourcePrefix"] = "in/",
            ["Events:Routes:0:DestinationBucket"] = FunctionsAppFixture.EventDestinationBucket,
            ["Events:Routes:0:DestinationPrefix"] = "copied/",
            ["Events:EventBridge:SharedSecret"] = FunctionsAppFixture.EventSecret,
            ["AzureWebJobsStorage"] = Azurite.ConnectionString,
        };
        if (trustLocalOss)
        {
            settings["Events:Mns:DevelopmentCertificateHost"] = Oss.BaseAddress.Authority;
        }

        return FunctionsAppFixture.BuildHost(settings, Logs);
    }

    public async Task DisposeAsync()
    {
        await Oss.DisposeAsync();
        await Forwarder.DisposeAsync();
        App.Dispose();
        await Azurite.DisposeAsync();
    }
}

public sealed class CloudEventsEndToEndFixture() : NotifyEndToEndFixture(LocalOssNotifyFormat.CloudEvents);

public sealed class MnsEndToEndFixture() : NotifyEndToEndFixture(LocalOssNotifyFormat.Mns);

public abstract class NotifyEndToEndTests(NotifyEndToEndFixture fixture)
{
    private static int _keys;

    protected NotifyEndToEndFixture Fixture => fixture;

    protected static string NewKey(string name) => $"{name}-{Interlocked.Increment(ref _keys)}.txt";

    [Fact]
    public async Task An_object_put_into_LocalOss_is_copied_by_the_app_through_its_event()
    {
        var name = NewKey(fixture.Format.ToString());
        var dropped = fixture.Oss.NotificationsDropped;
        var content = "copied because LocalOss told the app, " + fixture.Format;
        var put = await fixture.Admin.PutObjectAsync(new PutObjectRequest
        {
            Bucket = FunctionsAppFixture.EventSourceBucket, Key = "in/" + name, Body = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content)),
        });

        await using var copied = await WaitForObjectAsync(FunctionsAppFixture.EventDestinationBucket, "copied/" + name);

        Assert.Equal(put.ETag, copied.Properties.ETag);
        using var reader = new StreamReader(copied.Content);
        Assert.Equal(content, await reader.ReadToEndAsync());
        Assert.Equal(dropped, fixture.Oss.NotificationsDropped);
    }

    [Fact]
    public async Task An_object_outside_the_routes_is_acknowledged_and_not_copied()
    {
        var name = NewKey("unrouted");
        var delivered = fixture.Oss.NotificationsDelivered;
        var dropped = fixture.Oss.NotificationsDropped;
        await fixture.Admin.PutObjectAsync(new PutObjectRequest
        {
            Bucket = FunctionsAppFixture.EventSourceBucket, Key = "elsewhere/" + name, Body = new MemoryStream([1, 2, 3]),
        });

        await WaitUntilAsync(() => fixture.Oss.NotificationsDelivered > delivered);

        Assert.False(await ExistsAsync(FunctionsAppFixture.EventDestinationBucket, "copied/" + name));
        Assert.False(await ExistsAsync(FunctionsAppFixture.EventDestinationBucket, "copied/elsewhere/" + name));
        Assert.Equal(dropped, fixture.Oss.NotificationsDropped);
    }

    protected async Task<GetObjectResult> WaitForObjectAsync(string bucket, string key)
    {
        for (var i = 0; ; i++)
        {
            try
            {
                return await fixture.Admin.GetObjectAsync(new GetObjectRequest { Bucket = bucket, Key = key });
            }
            catch (OssException ex) when (ex.StatusCode == 404 && i < 200)
            {
                // The event queued the copy: play the host's queue listener until it is made.
                await fixture.DrainAsync();
                await Task.Delay(50);
            }
        }
    }

    protected async Task<bool> ExistsAsync(string bucket, string key)
    {
        try
        {
            await fixture.Admin.HeadObjectAsync(new HeadObjectRequest { Bucket = bucket, Key = key });
            return true;
        }
        catch (OssException ex) when (ex.StatusCode == 404)
        {
            return false;
        }
    }

    protected static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(condition());
    }
}

public sealed class CloudEventsEndToEndTests(CloudEventsEndToEndFixture fixture) : NotifyEndToEndTests(fixture), IClassFixture<CloudEventsEndToEndFixture>;

public sealed class MnsEndToEndTests(MnsEndToEndFixture fixture) : NotifyEndToEndTests(fixture), IClassFixture<MnsEndToEndFixture>
{
    [Fact]
    public async Task An_app_not_configured_to_trust_LocalOss_refuses_its_mns_pushes_and_copies_nothing()
    {
        var name = NewKey("untrusted");
        using var untrusted = Fixture.BuildApp(trustLocalOss: false);
        var dropped = Fixture.Oss.NotificationsDropped;
        Fixture.Forwarder.App = untrusted;
        try
        {
            await Fixture.Admin.PutObjectAsync(new PutObjectRequest
            {
                Bucket = FunctionsAppFixture.EventSourceBucket, Key = "in/" + name, Body = new MemoryStream([4, 5, 6]),
            });

            // 401 is a refusal: LocalOss logs and drops the event instead of retrying it.
            await WaitUntilAsync(() => Fixture.Oss.NotificationsDropped > dropped);
        }
        finally
        {
            Fixture.Forwarder.App = Fixture.App;
        }

        Assert.Contains(401, Fixture.Forwarder.Statuses);
        Assert.False(await ExistsAsync(FunctionsAppFixture.EventDestinationBucket, "copied/" + name));
        Assert.Contains(Fixture.Logs.Lines, l => l.Contains("is not allowed", StringComparison.Ordinal));
    }
}
