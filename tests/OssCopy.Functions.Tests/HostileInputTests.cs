using System.Text;
using System.Text.Json;
using CsCheck;
using OssCopy.Functions.Tests.Support;

namespace OssCopy.Functions.Tests;

/// <summary>
/// Property-based: hundreds of malformed or hostile bodies, each answered with a 4xx problem+json (never a 500),
/// and not one OSS request. Every generated body carries at least one defect, so none may be a valid request.
/// CsCheck prints the seed of a failing sample; pass it as <c>seed:</c> to replay.
/// </summary>
[Collection(FunctionsAppGroup.Name)]
public sealed class HostileInputTests(FunctionsAppFixture app)
{
    private const int Iterations = 300;

    private static readonly string[] CopyFields =
    [
        "bucket", "key", "sourceBucket", "sourceKey", "versionId", "forbidOverwrite", "tagging", "taggingDirective", "metadataDirective", "metadata",
        "contentType", "cacheControl", "storageClass", "acl", "serverSideEncryption", "serverSideDataEncryption", "keyId", "expectedSourceETag",
    ];

    private static readonly Gen<string> Text = Gen.OneOf(
        Gen.String[Gen.Char["abcXYZ-_./ 09"], 0, 40],
        Gen.String[Gen.Char[(char)0, (char)0x7f], 0, 20],
        Gen.OneOf("", " ", "Bad_Bucket", "ab", new string('a', 70), "../../etc/passwd", "a\u0000b", "\ud800", "Replace", "Copy", "Merge", "KMS", "SM4",
            "IA", "Archive", "private", "A=1&B", "=x", "k=" + new string('v', 300), "\"quoted\"", "<x/>", "${jndi:ldap://x}"));

    private static readonly Gen<string> JsonValue = Gen.OneOf(
        Text.Select(s => JsonSerializer.Serialize(s)),
        Gen.Int.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Double.Select(d => double.IsFinite(d) ? d.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "1e400"),
        Gen.OneOf("true", "false", "null", "[]", "{}", "[1,\"a\"]", "{\"a\":{\"b\":1}}", "-0", "1e999999"));

    /// <summary>A field of a copy request with any value, or a field no request has.</summary>
    private static readonly Gen<string> Member = Gen.OneOf(
        Gen.Select(Gen.OneOf(CopyFields), JsonValue, (name, value) => $"\"{name}\":{value}"),
        Gen.Select(Text, JsonValue, (name, value) => $"{JsonSerializer.Serialize(name)}:{value}"));

    /// <summary>Something certainly wrong with a copy request.</summary>
    private static readonly Gen<string> CopyDefect = Gen.OneOf(
        Text.Select(s => $"\"unknownField{s.Length}\":{JsonSerializer.Serialize(s)}"),
        Gen.OneOf("\"forbidOverwrite\":\"yes\"", "\"bucket\":\"Upper_Case\"", "\"metadata\":[1]", "\"sourceKey\":\"\"", "\"key\":17",
            "\"storageClass\":\"Gold\"", "\"acl\":{}", "\"tagging\":\"a=1\",\"taggingDirective\":\"Copy\"", "\"keyId\":\"k\",\"serverSideEncryption\":\"AES256\"",
            "\"archived\":\"Freeze\"", "\"restoreDays\":\"7\"", "\"bucket\":\"a-b\",\"bucket\":\"a-b\""));

    private static readonly Gen<byte[]> CopyBody = Gen.OneOf(
        // A JSON object of random members plus at least one defect, members shuffled.
        Gen.Select(Member.Array[0, 12], CopyDefect, Gen.Int[0, 12], (members, defect, at) =>
        {
            var list = members.ToList();
            list.Insert(Math.Min(at, list.Count), defect);
            return Encoding.UTF8.GetBytes("{" + string.Join(",", list) + "}");
        }),
        // Bytes: mostly not JSON at all.
        Gen.Byte.Array[0, 400],
        // JSON-ish characters in any order.
        Gen.String[Gen.Char["{}[]\":,0123456789.-eE truefalsn\\u"], 0, 200].Select(Encoding.UTF8.GetBytes),
        // Deep nesting, open or closed.
        Gen.Select(Gen.Int[2, 400], Gen.Bool, (depth, close) =>
            Encoding.UTF8.GetBytes(new string('[', depth) + (close ? new string(']', depth) : string.Empty))),
        Gen.Int[2, 200].Select(depth => Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"metadata\":", depth)) + "1" + new string('}', depth))),
        // Bodies over the limit (16 KiB in the test settings).
        Gen.Int[16_385, 40_000].Select(size => Encoding.UTF8.GetBytes("{\"bucket\":\"" + new string('a', size) + "\"}")),
        // Invalid UTF-8 inside a string.
        Gen.Byte.Array[1, 8].Select(bad => Encoding.UTF8.GetBytes("{\"bucket\":\"").Concat(bad.Select(b => (byte)(b | 0x80))).Concat(Encoding.UTF8.GetBytes("\"}")).ToArray()));

    [Fact]
    public async Task Hostile_copy_bodies_are_each_a_4xx_problem_and_reach_no_oss()
    {
        var before = app.Oss.Counters.Total;
        await CopyBody.SampleAsync(async body =>
        {
            var response = await app.CopyAsync(body);
            AssertProblem(response);
            Assert.Equal(before, app.Oss.Counters.Total);
        }, iter: Iterations, threads: 1, print: Describe);
    }

    /// <summary>An OSS event with one thing certainly wrong with it (or a CloudEvent envelope with one).</summary>
    private static readonly Gen<string> BrokenOssEvent = Gen.Select(Gen.Int[0, 11], Text, Gen.Int[-5, 5], (defect, text, number) =>
    {
        var bucket = defect == 0 ? "Not_A_Bucket" : FunctionsAppFixture.EventSourceBucket;
        var key = defect == 1 ? "in/" + text + "\u0001" : "in/" + text;
        var eventName = defect == 2 ? "null" : defect == 3 ? number.ToString(System.Globalization.CultureInfo.InvariantCulture) : JsonSerializer.Serialize("ObjectCreated:PutObject");
        var etag = defect == 4 ? "\"has space\"" : defect == 5 ? "[]" : "\"0CC175B9C0F1B6468E1199E269772661\"";
        var size = defect == 6 ? "-1" : defect == 7 ? "\"big\"" : "1";
        var oss = defect == 8 ? "[]" : $"{{\"bucket\":{{\"name\":{JsonSerializer.Serialize(bucket)}}},\"object\":{{\"key\":{JsonSerializer.Serialize(key)},\"eTag\":{etag},\"size\":{size}}}}}";
        var time = defect == 9 ? JsonSerializer.Serialize(text + "not a time") : "\"2026-12-04T10:00:00.000Z\"";
        var ev = $"{{\"eventName\":{eventName},\"eventTime\":{time},\"oss\":{oss},\"responseElements\":{{\"requestId\":\"R{number}\"}}}}";
        return defect switch
        {
            10 => "{\"events\":[]}",
            11 => "{\"events\":" + ev + "}",
            _ => "{\"events\":[" + ev + "]}",
        };
    });

    private static readonly Gen<(byte[] Body, string ContentType, bool Secret)> EventBody = Gen.OneOf(
        // A CloudEvent whose data is a broken OSS event.
        BrokenOssEvent.Select(data => (Encoding.UTF8.GetBytes($"{{\"specversion\":\"1.0\",\"id\":\"x\",\"source\":\"acs.oss\",\"type\":\"oss:ObjectCreated:PutObject\",\"data\":{data}}}"),
            "application/cloudevents+json", true)),
        // A broken envelope.
        Gen.Select(Gen.OneOf("\"2.0\"", "1", "null"), Member.Array[0, 6], (spec, members) =>
            (Encoding.UTF8.GetBytes($"{{\"specversion\":{spec}{string.Concat(members.Select(m => "," + m))},\"type\":\"oss:ObjectCreated:PutObject\"}}"), "application/cloudevents+json", true)),
        Gen.OneOf(
            "{\"specversion\":\"1.0\",\"source\":\"s\",\"type\":\"oss:ObjectCreated:PutObject\",\"data\":{}}",
            "{\"specversion\":\"1.0\",\"id\":\"i\",\"source\":\"s\",\"type\":\"oss:ObjectCreated:PutObject\"}",
            "{\"specversion\":\"1.0\",\"id\":\"i\",\"source\":\"s\",\"type\":\"oss:ObjectCreated:PutObject\",\"data_base64\":\"!!!\"}",
            "{\"specversion\":\"1.0\",\"id\":\"i\",\"source\":\"s\",\"type\":\"oss:ObjectCreated:PutObject\",\"datacontenttype\":\"text/plain\",\"data\":{}}",
            "[{\"specversion\":\"1.0\"}]").Select(s => (Encoding.UTF8.GetBytes(s), "application/cloudevents+json", true)),
        // Bytes and JSON-ish noise, with the secret (reaches parsing) or without (stops at authentication).
        Gen.Select(Gen.Byte.Array[0, 300], Gen.Bool, (bytes, secret) => (bytes, "application/cloudevents+json", secret)),
        Gen.Select(Gen.String[Gen.Char["{}[]\":,0123456789.-eE truefalsn"], 0, 200], Gen.Bool, (s, secret) => (Encoding.UTF8.GetBytes(s), "application/cloudevents+json", secret)),
        Gen.Int[2, 300].Select(depth => (Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"data\":", depth)) + "1" + new string('}', depth)), "application/cloudevents+json", true)),
        // Bodies over the limit, and media types the receiver does not take.
        Gen.Int[262_145, 300_000].Select(size => (new byte[size], "application/cloudevents+json", true)),
        Gen.Select(Gen.OneOf("text/plain", "application/json", "application/x-www-form-urlencoded", "text/xml"), Gen.Byte.Array[0, 100], (type, bytes) => (bytes, type, true)));

    [Fact]
    public async Task Hostile_event_deliveries_are_each_a_4xx_problem_and_reach_no_oss()
    {
        var before = app.Oss.Counters.Total;
        var secret = new Dictionary<string, string> { [FunctionsAppFixture.SecretHeader] = FunctionsAppFixture.EventSecret };
        await EventBody.SampleAsync(async sample =>
        {
            var response = await app.EventAsync(sample.Body, sample.ContentType, sample.Secret ? secret : null);
            AssertProblem(response);
            Assert.Equal(before, app.Oss.Counters.Total);
        }, iter: Iterations, threads: 1, print: s => $"{s.ContentType} secret={s.Secret} {Describe(s.Body)}");
    }

    /// <summary>XML noise and broken notifications with MNS's headers but no valid signature: refused before any parsing matters.</summary>
    private static readonly Gen<byte[]> MnsBody = Gen.OneOf(
        Gen.Byte.Array[0, 300],
        Text.Select(t => Encoding.UTF8.GetBytes($"<Notification><MessageId>{t}</MessageId><Message>{t}</Message></Notification>")),
        Gen.OneOf(
            "<!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]><Notification><Message>&b;</Message></Notification>",
            "<Notification><Message>e30=</Message><Message>e30=</Message></Notification>",
            "<?xml version=\"1.0\"?><Other/>").Select(Encoding.UTF8.GetBytes));

    [Fact]
    public async Task Hostile_mns_deliveries_are_each_a_4xx_problem_and_reach_no_oss()
    {
        var before = app.Oss.Counters.Total;
        await Gen.Select(MnsBody, Gen.Int[0, 3]).SampleAsync(async (body, variant) =>
        {
            var response = await app.EventAsync(body, "text/xml;charset=utf-8", prepare: r =>
            {
                switch (variant)
                {
                    case 0:
                        app.Mns.Sign(r, body, DateTimeOffset.UtcNow, forge: true);
                        break;
                    case 1:
                        app.Mns.Sign(r, body, DateTimeOffset.UtcNow, TestMns.ForeignCertificateUrl);
                        break;
                    case 2:
                        app.Mns.Sign(r, body, DateTimeOffset.UtcNow.AddHours(-1));
                        break;
                    default:
                        r.Headers[Events.EventEnvelopeReader.MnsCertificateUrlHeader] = "not base64 !";
                        break;
                }
            });
            AssertProblem(response);
            Assert.Equal(before, app.Oss.Counters.Total);
        }, iter: 100, threads: 1);
    }

    private static void AssertProblem(TestResponse response)
    {
        Assert.InRange(response.Status, 400, 499);
        Assert.StartsWith("application/problem+json", response.ContentType, StringComparison.Ordinal);
        using var problem = JsonDocument.Parse(response.Body);
        Assert.Equal(response.Status, problem.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.RootElement.GetProperty("title").GetString()));
    }

    private static string Describe(byte[] body) =>
        body.Length > 300 ? $"{body.Length} bytes: {Encoding.UTF8.GetString(body, 0, 300)}…" : Encoding.UTF8.GetString(body);
}
