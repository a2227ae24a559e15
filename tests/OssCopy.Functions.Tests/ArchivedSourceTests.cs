using System.Text;
using OssCopy.Functions.Configuration;
using OssCopy.Functions.Events;
using OssCopy.Functions.Tests.Support;
using OssCopy.Oss.Models;

namespace OssCopy.Functions.Tests;

/// <summary>
/// Archived sources through the webhook's <c>archived</c>/<c>restoreDays</c>/<c>restoreTier</c> fields and a route's
/// <c>Archived</c> option: restore (202 Restoring, copied on a later request or the FinishRestore event), skip, or fail.
/// </summary>
[Collection(FunctionsAppGroup.Name)]
public sealed class ArchivedSourceTests(FunctionsAppFixture app)
{
    private const string CloudEventsJson = "application/cloudevents+json; charset=utf-8";
    private static int _keys;

    private static string NewKey(string name) => $"{name}-{Interlocked.Increment(ref _keys)}.txt";

    private async Task<PutObjectResult> PutArchivedAsync(string bucket, string key, string content) =>
        await app.Admin.PutObjectAsync(new PutObjectRequest { Bucket = bucket, Key = key, Body = new MemoryStream(Encoding.UTF8.GetBytes(content)), StorageClass = "Archive" });

    private static string Body(string source, string destination, string extra) =>
        $"{{\"bucket\":\"{FunctionsAppFixture.DestinationBucket}\",\"key\":\"{destination}\",\"sourceBucket\":\"{FunctionsAppFixture.SourceBucket}\",\"sourceKey\":\"{source}\",{extra}}}";

    [Fact]
    public async Task An_archived_source_with_archived_restore_is_202_restoring_and_the_same_request_copies_it_once_restored()
    {
        var source = NewKey("cold");
        await PutArchivedAsync(FunctionsAppFixture.SourceBucket, source, "frozen data");
        var restoresBefore = app.Oss.Counters["RestoreObject"];
        var headers = new Dictionary<string, string> { ["Idempotency-Key"] = "restore-" + source };
        var body = Body(source, "thawed/" + source, "\"archived\":\"Restore\",\"restoreDays\":2");

        var first = await app.CopyAsync(body, headers);

        Assert.Equal(202, first.Status);
        Assert.Equal("Restoring", first.Json.GetProperty("status").GetString());
        Assert.Equal("Archive", first.Json.GetProperty("sourceStorageClass").GetString());
        Assert.Equal(restoresBefore + 1, app.Oss.Counters["RestoreObject"]);
        Assert.False(await app.ExistsAsync(FunctionsAppFixture.DestinationBucket, "thawed/" + source));

        // LocalOss restores at once here: the same request (same Idempotency-Key, not replayed) now copies.
        var second = await app.CopyAsync(body, headers);

        Assert.Equal(200, second.Status);
        Assert.Equal("Copied", second.Json.GetProperty("status").GetString());
        Assert.False(second.Headers.ContainsKey("Idempotent-Replayed"));
        Assert.Equal(11, (await app.HeadAsync(FunctionsAppFixture.DestinationBucket, "thawed/" + source)).ContentLength);
    }

    [Fact]
    public async Task An_archived_source_with_archived_skip_is_200_skipped_and_nothing_is_sent()
    {
        var source = NewKey("skipped");
        await PutArchivedAsync(FunctionsAppFixture.SourceBucket, source, "frozen");
        var copies = app.Oss.Counters["CopyObject"];
        var restores = app.Oss.Counters["RestoreObject"];

        var response = await app.CopyAsync(Body(source, "skipped/" + source, "\"archived\":\"skip\""));

        Assert.Equal(200, response.Status);
        Assert.Equal("Skipped", response.Json.GetProperty("status").GetString());
        Assert.Equal(copies, app.Oss.Counters["CopyObject"]);
        Assert.Equal(restores, app.Oss.Counters["RestoreObject"]);
        Assert.False(await app.ExistsAsync(FunctionsAppFixture.DestinationBucket, "skipped/" + source));
    }

    [Fact]
    public async Task An_archived_source_without_the_option_fails_with_OSS_s_invalid_object_state()
    {
        var source = NewKey("refused");
        await PutArchivedAsync(FunctionsAppFixture.SourceBucket, source, "frozen");

        var response = await app.CopyAsync(Body(source, "refused/" + source, "\"archived\":null"));

        Assert.Equal(403, response.Status);
        Assert.Equal("InvalidObjectState", response.Json.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("\"archived\":\"Freeze\"", "/archived")]
    [InlineData("\"archived\":\"Skip\",\"restoreDays\":3", "/restoreDays")]
    [InlineData("\"archived\":\"Restore\",\"restoreDays\":1.5", "/restoreDays")]
    [InlineData("\"archived\":\"Restore\",\"restoreDays\":400", "/restoreDays")]
    [InlineData("\"archived\":\"Restore\",\"restoreTier\":\"Fastest\"", "/restoreTier")]
    public async Task A_bad_archived_policy_is_a_400_naming_the_field(string extra, string field)
    {
        var response = await app.CopyAsync(Body("a", "b", extra));

        Assert.Equal(400, response.Status);
        Assert.True(response.Json.GetProperty("errors").TryGetProperty(field, out _), response.Text);
    }

    [Fact]
    public async Task A_route_that_restores_starts_the_restore_on_the_created_event_and_copies_on_the_finish_restore_event()
    {
        var settings = app.Settings();
        settings["Events:Routes:1:SourceBucket"] = FunctionsAppFixture.EventSourceBucket;
        settings["Events:Routes:1:SourcePrefix"] = "cold/";
        settings["Events:Routes:1:DestinationBucket"] = FunctionsAppFixture.EventDestinationBucket;
        settings["Events:Routes:1:DestinationPrefix"] = "thawed/";
        settings["Events:Routes:1:Archived"] = "Restore";
        settings["Events:Routes:1:RestoreDays"] = "3";
        using var host = FunctionsAppFixture.BuildHost(settings);
        var key = "cold/" + NewKey("event");
        var put = await PutArchivedAsync(FunctionsAppFixture.EventSourceBucket, key, "frozen by event");
        var secret = new Dictionary<string, string> { [FunctionsAppFixture.SecretHeader] = FunctionsAppFixture.EventSecret };

        var created = await Event(host, "ObjectCreated:PutObject", key, put.ETag, secret);

        await app.Queue.DrainAsync(host);

        Assert.Equal(200, created.Status);
        var restoring = await CopyQueueDriver.GetAsync(host, "/api/copy/" + created.Json.GetProperty("events")[0].GetProperty("copies")[0].GetProperty("copyId").GetString());
        Assert.Equal("Restoring", restoring.Headers[Copy.CopyStatusFunction.DispositionHeader]);
        Assert.False(await app.ExistsAsync(FunctionsAppFixture.EventDestinationBucket, "thawed/" + key["cold/".Length..]));

        var finished = await Event(host, "ObjectRestore:FinishRestore", key, put.ETag, secret);
        await app.Queue.DrainAsync(host);

        Assert.Equal(200, finished.Status);
        var copied = await CopyQueueDriver.GetAsync(host, "/api/copy/" + finished.Json.GetProperty("events")[0].GetProperty("copies")[0].GetProperty("copyId").GetString());
        Assert.Equal("Copied", copied.Headers[Copy.CopyStatusFunction.DispositionHeader]);
        Assert.True(await app.ExistsAsync(FunctionsAppFixture.EventDestinationBucket, "thawed/" + key["cold/".Length..]));
    }

    [Fact]
    public async Task A_finish_restore_event_is_ignored_by_routes_that_do_not_restore()
    {
        var key = "in/" + NewKey("finish");
        var put = await app.PutAsync(FunctionsAppFixture.EventSourceBucket, key, "x");
        var secret = new Dictionary<string, string> { [FunctionsAppFixture.SecretHeader] = FunctionsAppFixture.EventSecret };

        var response = await Event(app.Host, "ObjectRestore:FinishRestore", key, put.ETag, secret);

        Assert.Equal(200, response.Status);
        Assert.Equal("Ignored", response.Json.GetProperty("events")[0].GetProperty("result").GetString());
    }

    [Theory]
    [InlineData("Archived", "Thaw", "Events:Routes:0:Archived")]
    [InlineData("RestoreDays", "0", "Events:Routes:0:RestoreDays")]
    [InlineData("RestoreTier", "Soon", "Events:Routes:0:RestoreTier")]
    public void A_bad_route_archived_policy_is_refused_at_start_naming_the_setting(string setting, string value, string path)
    {
        var options = new EventOptions();
        options.Routes.Add(new EventRouteOptions { SourceBucket = "src-bucket", DestinationBucket = "dst-bucket", Archived = "Restore" });
        typeof(EventRouteOptions).GetProperty(setting)!.SetValue(options.Routes[0], setting == "RestoreDays" ? int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : value);

        var result = new EventOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith(path, StringComparison.Ordinal));
    }

    private static Task<TestResponse> Event(Microsoft.Extensions.Hosting.IHost host, string eventName, string key, string? etag, Dictionary<string, string> headers) =>
        FunctionsAppFixture.InvokeAsync<EventsFunction>(host, "/api/events",
            OssEvents.CloudEvent(eventName, FunctionsAppFixture.EventSourceBucket, key, etag, Guid.NewGuid().ToString("N")), CloudEventsJson, headers,
            (f, r) => f.RunAsync(r));
}
