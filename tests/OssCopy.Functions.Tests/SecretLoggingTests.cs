using OssCopy.Functions.Tests.Support;

namespace OssCopy.Functions.Tests;

/// <summary>
/// Every log line the app wrote during the suite (all levels, exceptions included) is searched for the configured
/// secrets: the OSS access key secret and the EventBridge shared secret. This test also drives the paths most
/// likely to leak one (failed signatures, refused secrets, OSS errors) so it can fail even when run alone.
/// </summary>
[Collection(FunctionsAppGroup.Name)]
public sealed class SecretLoggingTests(FunctionsAppFixture app)
{
    [Fact]
    public async Task No_configured_secret_appears_in_any_log_line()
    {
        await app.PutAsync(FunctionsAppFixture.SourceBucket, "secret-check.txt", "x");
        await app.CopyAsync($"{{\"bucket\":\"{FunctionsAppFixture.DestinationBucket}\",\"key\":\"secret-check.txt\",\"sourceBucket\":\"{FunctionsAppFixture.SourceBucket}\",\"sourceKey\":\"secret-check.txt\"}}");
        await app.CopyAsync($"{{\"bucket\":\"{FunctionsAppFixture.DestinationBucket}\",\"key\":\"k\",\"sourceBucket\":\"{FunctionsAppFixture.SourceBucket}\",\"sourceKey\":\"missing\"}}");
        var cloudEvent = OssEvents.CloudEvent("ObjectCreated:PutObject", FunctionsAppFixture.EventSourceBucket, "in/secret-check.bin", "0CC175B9C0F1B6468E1199E269772661", "R1");
        await app.EventAsync(cloudEvent, "application/cloudevents+json", new Dictionary<string, string> { [FunctionsAppFixture.SecretHeader] = FunctionsAppFixture.EventSecret });
        await app.EventAsync(cloudEvent, "application/cloudevents+json", new Dictionary<string, string> { [FunctionsAppFixture.SecretHeader] = FunctionsAppFixture.EventSecret + "x" });
        var body = TestMns.Notification(OssEvents.Json("ObjectCreated:PutObject", FunctionsAppFixture.EventSourceBucket, "in/secret-check.bin", null, "R2"), "M1");
        await app.EventAsync(body, null, prepare: r => app.Mns.Sign(r, body, DateTimeOffset.UtcNow, forge: true));

        var lines = app.Logs.Lines.ToArray();
        // The capture sees the app's own lines and the OSS client's, so a secret in either would be found.
        Assert.Contains(lines, line => line.Contains("answered 404", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("signature does not match", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("OssCopy.Oss", StringComparison.Ordinal));
        foreach (var secret in FunctionsAppFixture.Secrets)
        {
            Assert.DoesNotContain(lines, line => line.Contains(secret, StringComparison.Ordinal));
        }
    }
}
