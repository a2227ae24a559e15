using System.Text.Json;
using OssCopy.Oss.Signing;

namespace OssCopy.Oss.Tests.Signing;

public class SignatureV4VectorTests
{
    private const string File = "signature-v4.json";

    public static TheoryData<string> HeaderVectors => SignatureVectors.Names(File, m => m == "header");

    public static TheoryData<string> QueryVectors => SignatureVectors.Names(File, m => m.StartsWith("query", StringComparison.Ordinal));

    [Fact]
    public void Every_vector_in_the_file_is_exercised()
    {
        using var doc = Support.SharedVectors.Load(File);
        var all = doc.RootElement.GetProperty("vectors").GetArrayLength();
        var covered = HeaderVectors.Count + QueryVectors.Count + SignatureVectors.Names(File, m => m == "canonical-headers only").Count;
        Assert.Equal(all, covered);
        Assert.Equal(doc.RootElement.GetProperty("count").GetInt32(), all);
    }

    [Theory]
    [MemberData(nameof(HeaderVectors))]
    public void Header_signature_matches_the_official_sdks(string name)
    {
        var vector = SignatureVectors.Find(File, name);
        var input = vector.GetProperty("input");
        var time = DateTimeOffset.FromUnixTimeSeconds(input.GetProperty("signing_time_unix").GetInt64());
        var context = SignatureVectors.ContextOf(input, "request_headers_before_signing", time);

        new OssSignerV4().SignHeaders(context);

        Assert.Equal(vector.GetProperty("expected").GetProperty("authorization").GetString(), context.Headers["Authorization"]);
        Assert.Equal(input.GetProperty("signing_time_iso8601").GetString(), context.Headers["x-oss-date"]);
        foreach (var added in vector.GetProperty("signer_added_headers").EnumerateObject().Where(h => !h.Name.Contains(' ', StringComparison.Ordinal)))
        {
            Assert.Equal(added.Value.GetString(), context.Headers[added.Name]);
        }

        AssertCanonicalRequest(vector, context);
    }

    [Theory]
    [MemberData(nameof(QueryVectors))]
    public void Presigned_query_matches_the_official_sdks(string name)
    {
        var vector = SignatureVectors.Find(File, name);
        var input = vector.GetProperty("input");
        var time = DateTimeOffset.FromUnixTimeSeconds(input.GetProperty("signing_time_unix").GetInt64());
        var expiration = DateTimeOffset.FromUnixTimeSeconds(input.GetProperty("expiration_unix").GetInt64());
        var context = SignatureVectors.ContextOf(input, "request_headers", time);

        new OssSignerV4().Presign(context, expiration);

        foreach (var expected in vector.GetProperty("expected").GetProperty("query_params_decoded").EnumerateObject())
        {
            Assert.Equal(expected.Value.ValueKind == JsonValueKind.Null ? null : expected.Value.GetString(), context.GetQuery(expected.Name));
        }

        AssertCanonicalRequest(vector, context, excludeSignature: true);
    }

    [Fact]
    public void Canonical_headers_are_sorted_by_byte_order()
    {
        var vector = SignatureVectors.Find(File, "v4_canonical_headers_sorting");
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var h in vector.GetProperty("input").GetProperty("request_headers").EnumerateObject())
        {
            headers[h.Name] = h.Value.GetString()!;
        }

        Assert.Equal(
            vector.GetProperty("expected").GetProperty("canonical_headers").GetString(),
            OssSignerV4.BuildCanonicalHeaders(headers, []));
    }

    [Fact]
    public void Canonical_query_is_sorted_by_encoded_key_then_value_and_a_bare_key_has_no_equals_sign()
    {
        Assert.Equal("a%20b=1&acl&b=1&b=2&uploads",
            OssSignerV4.BuildCanonicalQuery([new("b", "2"), new("uploads", ""), new("acl", ""), new("b", "1"), new("a b", "1")]));
        Assert.Equal(string.Empty, OssSignerV4.BuildCanonicalQuery([]));
    }

    [Fact]
    public void A_verifier_rebuilding_the_request_gets_the_same_signature()
    {
        var vector = SignatureVectors.Find(File, "v4_header_additional_headers");
        var input = vector.GetProperty("input");
        var time = DateTimeOffset.FromUnixTimeSeconds(input.GetProperty("signing_time_unix").GetInt64());
        var context = SignatureVectors.ContextOf(input, "request_headers_before_signing", time);
        new OssSignerV4().SignHeaders(context);

        var additional = OssSignerV4.EffectiveAdditionalHeaders(["abc", "zabc"], context.Headers);
        var stringToSign = OssSignerV4.BuildStringToSign(
            context.Headers["x-oss-date"], "20231216/cn-hangzhou/oss/aliyun_v4_request", OssSignerV4.BuildCanonicalRequest(context, additional));
        var signature = OssSignerV4.ComputeSignature("sk", "20231216", "cn-hangzhou", "oss", stringToSign);

        Assert.EndsWith(",Signature=" + signature, context.Headers["Authorization"], StringComparison.Ordinal);
    }

    [Fact]
    public void Presign_refuses_an_expiration_before_the_signing_time()
    {
        var context = new OssSigningContext { Method = "GET", Bucket = "b", Key = "k", Credentials = new("ak", "sk"), SigningTime = DateTimeOffset.UnixEpoch.AddDays(1) };
        Assert.Throws<ArgumentOutOfRangeException>(() => new OssSignerV4().Presign(context, DateTimeOffset.UnixEpoch));
    }

    private static void AssertCanonicalRequest(JsonElement vector, OssSigningContext signed, bool excludeSignature = false)
    {
        var expected = SignatureVectors.OptionalString(vector, "derived_by_verifier", "canonical_request");
        if (expected is null)
        {
            return;
        }

        if (excludeSignature)
        {
            var signature = signed.Query.Single(q => q.Key == "x-oss-signature");
            signed.Query.Remove(signature);
        }

        var names = signed.Headers.TryGetValue("Authorization", out var auth) && auth.Contains("AdditionalHeaders=", StringComparison.Ordinal)
            ? auth.Split("AdditionalHeaders=")[1].Split(',')[0].Split(';')
            : signed.GetQuery("x-oss-additional-headers")?.Split(';') ?? [];
        Assert.Equal(expected, OssSignerV4.BuildCanonicalRequest(signed, names));
    }
}
