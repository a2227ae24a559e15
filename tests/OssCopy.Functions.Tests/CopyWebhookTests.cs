using System.Text.Json;
using LocalOss;
using OssCopy.Functions.Tests.Support;
using OssCopy.Oss.Models;

namespace OssCopy.Functions.Tests;

[Collection(FunctionsAppGroup.Name)]
public sealed class CopyWebhookTests(FunctionsAppFixture app)
{
    private static int _keys;

    private static string NewKey(string name) => $"{name}-{Interlocked.Increment(ref _keys)}.txt";

    [Fact]
    public async Task A_copy_with_every_option_is_made_and_answered_with_the_full_outcome()
    {
        var source = NewKey("every-option");
        var put = await app.PutAsync(FunctionsAppFixture.VersionedBucket, source, "version one", tagging: "Team=a");
        await app.PutAsync(FunctionsAppFixture.VersionedBucket, source, "version two is longer");
        var destination = "copies/" + source;
        var body = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["bucket"] = FunctionsAppFixture.DestinationBucket,
            ["key"] = destination,
            ["sourceBucket"] = FunctionsAppFixture.VersionedBucket,
            ["sourceKey"] = source,
            ["versionId"] = put.VersionId,
            ["forbidOverwrite"] = true,
            ["tagging"] = "Backup=true&Owner=webhook",
            ["taggingDirective"] = "Replace",
            ["metadataDirective"] = "Replace",
            ["metadata"] = new Dictionary<string, string> { ["origin"] = "webhook", ["run"] = "42" },
            ["contentType"] = "text/plain",
            ["cacheControl"] = "no-cache",
            ["contentDisposition"] = "attachment; filename=\"a.txt\"",
            ["contentEncoding"] = "identity",
            ["contentLanguage"] = "en",
            ["expires"] = "Wed, 21 Oct 2037 07:28:00 GMT",
            ["storageClass"] = "IA",
            ["acl"] = "private",
            ["serverSideEncryption"] = "AES256",
        });

        var response = await app.CopyAsync(body);

        Assert.Equal(200, response.Status);
        Assert.StartsWith("application/json", response.ContentType, StringComparison.Ordinal);
        var outcome = response.Json;
        Assert.Equal("Copied", outcome.GetProperty("status").GetString());
        Assert.Equal(FunctionsAppFixture.DestinationBucket, outcome.GetProperty("bucket").GetString());
        Assert.Equal(destination, outcome.GetProperty("key").GetString());
        Assert.Equal(put.VersionId, outcome.GetProperty("sourceVersionId").GetString());
        Assert.True(outcome.GetProperty("verified").GetBoolean());
        Assert.Equal("SingleCopy", outcome.GetProperty("strategy").GetString());
        Assert.Equal(11, outcome.GetProperty("sourceSize").GetInt64());
        Assert.False(string.IsNullOrEmpty(outcome.GetProperty("requestId").GetString()));
        Assert.Equal(JsonValueKind.String, outcome.GetProperty("hashCrc64").ValueKind);

        var copied = await app.HeadAsync(FunctionsAppFixture.DestinationBucket, destination);
        Assert.Equal(11, copied.ContentLength);
        Assert.Equal("text/plain", copied.ContentType);
        Assert.Equal("no-cache", copied.CacheControl);
        Assert.Equal("en", copied.ContentLanguage);
        Assert.Equal("IA", copied.StorageClass);
        Assert.Equal("AES256", copied.Encryption.ServerSideEncryption);
        Assert.Equal("webhook", copied.Metadata["origin"]);
        Assert.Equal("42", copied.Metadata["run"]);
        var tags = await app.Admin.GetObjectTaggingAsync(new GetObjectTaggingRequest { Bucket = FunctionsAppFixture.DestinationBucket, Key = destination });
        Assert.Equal(["Backup=true", "Owner=webhook"], tags.Tags.Tags.Select(t => $"{t.Key}={t.Value}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task An_invalid_request_names_every_bad_field_and_sends_nothing_to_oss()
    {
        var before = app.Oss.Counters.Total;
        var response = await app.CopyAsync("""
            {"bucket":"Bad_Bucket","sourceKey":"","forbidOverwrite":"yes","storageClass":"Gold","acl":"everyone",
             "metadata":{"ok":"1","n":2},"tagging":"a=1","taggingDirective":"Copy","keyId":"k","colour":"blue"}
            """);

        Assert.Equal(400, response.Status);
        Assert.StartsWith("application/problem+json", response.ContentType, StringComparison.Ordinal);
        var problem = response.Json;
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        var fields = problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.Superset(new HashSet<string> { "/bucket", "/key", "/sourceKey", "/forbidOverwrite", "/storageClass", "/acl", "/metadata/n", "/tagging", "/keyId", "/colour" }, fields);
        Assert.Equal(before, app.Oss.Counters.Total);
    }

    [Theory]
    [InlineData("{\"bucket\":", "/")]
    [InlineData("[1,2]", "/")]
    [InlineData("{\"bucket\":\"a-b\",\"bucket\":\"c-d\",\"key\":\"k\",\"sourceKey\":\"s\"}", "/bucket")]
    [InlineData("{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":{\"h\":{\"i\":1}}}}}}}}}", "/")]
    public async Task Malformed_json_is_a_400_problem_naming_where(string body, string field)
    {
        var before = app.Oss.Counters.Total;
        var response = await app.CopyAsync(body);

        Assert.Equal(400, response.Status);
        Assert.True(response.Json.GetProperty("errors").TryGetProperty(field, out _), response.ToString());
        Assert.Equal(before, app.Oss.Counters.Total);
    }

    [Fact]
    public async Task Invalid_utf8_inside_a_json_string_is_a_400_not_a_500()
    {
        var body = "{\"bucket\":\""u8.ToArray().Concat(new byte[] { 0x85 }).Concat("\"}"u8.ToArray()).ToArray();

        var response = await app.CopyAsync(body);

        Assert.Equal(400, response.Status);
        Assert.True(response.Json.GetProperty("errors").TryGetProperty("/", out _), response.ToString());
    }

    [Fact]
    public async Task A_body_over_the_limit_is_refused_with_413_before_it_is_read_whole()
    {
        var before = app.Oss.Counters.Total;
        var body = "{\"bucket\":\"" + new string('a', 20_000) + "\"}";

        var declared = await app.CopyAsync(body);
        var undeclared = await FunctionsAppFixture.InvokeAsync<Copy.CopyFunction>(app.Host, "/api/copy", System.Text.Encoding.UTF8.GetBytes(body), "application/json", null,
            (f, r) =>
            {
                r.ContentLength = null;
                return f.RunAsync(r);
            });

        Assert.Equal(413, declared.Status);
        Assert.Equal(413, undeclared.Status);
        Assert.StartsWith("application/problem+json", undeclared.ContentType, StringComparison.Ordinal);
        Assert.Equal(before, app.Oss.Counters.Total);
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_refused_with_415()
    {
        var response = await app.CopyAsync("bucket=a", contentType: "application/x-www-form-urlencoded");

        Assert.Equal(415, response.Status);
        Assert.StartsWith("application/problem+json", response.ContentType, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_source_keeps_oss_404_with_its_code_and_request_id()
    {
        var response = await app.CopyAsync(Body(NewKey("missing"), NewKey("dest")));

        Assert.Equal(404, response.Status);
        var problem = response.Json;
        Assert.Equal("NoSuchKey", problem.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("requestId").GetString()));
        Assert.Equal(404, problem.GetProperty("ossStatus").GetInt32());
        Assert.Equal("Failed", problem.GetProperty("outcome").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Forbid_overwrite_onto_an_existing_object_keeps_oss_409()
    {
        var source = NewKey("forbid");
        var destination = NewKey("forbid-dest");
        await app.PutAsync(FunctionsAppFixture.SourceBucket, source, "new");
        await app.PutAsync(FunctionsAppFixture.DestinationBucket, destination, "old");

        var response = await app.CopyAsync(Body(source, destination, "\"forbidOverwrite\":true"));

        Assert.Equal(409, response.Status);
        Assert.Equal("FileAlreadyExists", response.Json.GetProperty("code").GetString());
        Assert.True(response.Json.TryGetProperty("ec", out _), response.ToString());
    }

    [Fact]
    public async Task A_source_that_no_longer_has_the_expected_etag_answers_412_and_copies_nothing()
    {
        var source = NewKey("changed");
        var destination = NewKey("changed-dest");
        await app.PutAsync(FunctionsAppFixture.SourceBucket, source, "now");

        var response = await app.CopyAsync(Body(source, destination, "\"expectedSourceETag\":\"0123456789ABCDEF0123456789ABCDEF\""));

        Assert.Equal(412, response.Status);
        Assert.Equal("SourceChanged", response.Json.GetProperty("outcome").GetProperty("status").GetString());
        Assert.False(await app.ExistsAsync(FunctionsAppFixture.DestinationBucket, destination));
    }

    [Fact]
    public async Task Oss_failing_after_the_retries_is_a_502()
    {
        var source = NewKey("unavailable");
        await app.PutAsync(FunctionsAppFixture.SourceBucket, source, "x");
        app.Oss.Faults.Add(new LocalOssFaultRule { Operation = "CopyObject", Kind = LocalOssFaultKind.InternalError, Count = 10 });
        try
        {
            var response = await app.CopyAsync(Body(source, NewKey("unavailable-dest")));

            Assert.Equal(502, response.Status);
            Assert.Equal("InternalError", response.Json.GetProperty("code").GetString());
        }
        finally
        {
            app.Oss.Faults.Clear();
        }
    }

    [Fact]
    public async Task Oss_refusing_the_credentials_keeps_its_403_and_neither_answer_nor_logs_carry_the_secret()
    {
        var source = NewKey("denied");
        await app.PutAsync(FunctionsAppFixture.SourceBucket, source, "x");
        var wrongSecret = "wrong-secret-" + Guid.NewGuid().ToString("N");
        var settings = app.Settings();
        settings["OSS_ACCESS_KEY_SECRET"] = wrongSecret;
        var logs = new CapturingLoggerProvider();
        using var host = FunctionsAppFixture.BuildHost(settings, logs);

        var response = await FunctionsAppFixture.InvokeAsync<Copy.CopyFunction>(host, "/api/copy", System.Text.Encoding.UTF8.GetBytes(Body(source, NewKey("denied-dest"))),
            "application/json", null, (f, r) => f.RunAsync(r));

        Assert.Equal(403, response.Status);
        Assert.Equal("SignatureDoesNotMatch", response.Json.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(response.Json.GetProperty("requestId").GetString()));
        Assert.DoesNotContain(wrongSecret, response.Text, StringComparison.Ordinal);
        Assert.NotEmpty(logs.Lines);
        Assert.DoesNotContain(logs.Lines, line => line.Contains(wrongSecret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_repeat_with_the_same_idempotency_key_returns_the_first_outcome_without_a_second_copy()
    {
        var source = NewKey("idempotent");
        await app.PutAsync(FunctionsAppFixture.SourceBucket, source, "once");
        var body = Body(source, NewKey("idempotent-dest"));
        var headers = new Dictionary<string, string> { ["Idempotency-Key"] = Guid.NewGuid().ToString() };
        var copiesBefore = app.Oss.Counters["CopyObject"];

        var first = await app.CopyAsync(body, headers);
        var second = await app.CopyAsync(body, headers);
        var otherBody = await app.CopyAsync(Body(source, NewKey("idempotent-other")), headers);

        Assert.Equal(200, first.Status);
        Assert.Equal(200, second.Status);
        Assert.Equal(first.Text, second.Text);
        Assert.Equal("true", second.Headers["Idempotent-Replayed"]);
        Assert.Equal(422, otherBody.Status);
        Assert.Equal(copiesBefore + 1, app.Oss.Counters["CopyObject"]);
    }

    [Fact]
    public async Task A_bad_idempotency_key_is_a_400()
    {
        var response = await app.CopyAsync(Body("a", "b"), new Dictionary<string, string> { ["Idempotency-Key"] = "has space" });

        Assert.Equal(400, response.Status);
    }

    private static string Body(string source, string destination, string? extra = null) =>
        $"{{\"bucket\":\"{FunctionsAppFixture.DestinationBucket}\",\"key\":\"{destination}\",\"sourceBucket\":\"{FunctionsAppFixture.SourceBucket}\",\"sourceKey\":\"{source}\"{(extra is null ? "" : "," + extra)}}}";
}
