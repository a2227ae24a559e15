using OssCopy.Oss.Signing;

namespace OssCopy.Oss.Tests.Signing;

public class SignatureV1VectorTests
{
    private const string File = "signature-v1.json";

    public static TheoryData<string> HeaderVectors => SignatureVectors.Names(File, m => m == "header");

    public static TheoryData<string> QueryVectors => SignatureVectors.Names(File, m => m == "query");

    [Fact]
    public void Every_vector_in_the_file_is_exercised()
    {
        using var doc = Support.SharedVectors.Load(File);
        var all = doc.RootElement.GetProperty("vectors").GetArrayLength();
        Assert.Equal(all, HeaderVectors.Count + QueryVectors.Count);
        Assert.Equal(doc.RootElement.GetProperty("count").GetInt32(), all);
    }

    [Theory]
    [MemberData(nameof(HeaderVectors))]
    public void Header_signature_matches_the_official_sdks(string name)
    {
        var vector = SignatureVectors.Find(File, name);
        var context = SignatureVectors.ContextOf(vector.GetProperty("input"), "headers", DateTimeOffset.UtcNow);

        new OssSignerV1().SignHeaders(context);

        var expected = vector.GetProperty("expected");
        Assert.Equal(expected.GetProperty("authorization").GetString(), context.Headers["Authorization"]);
        Assert.Equal(vector.GetProperty("input").GetProperty("date_line").GetString(), OssSignerV1.DateLineOf(context.Headers));
        var stringToSign = SignatureVectors.OptionalString(vector, "expected", "string_to_sign")
                           ?? SignatureVectors.OptionalString(vector, "derived_by_verifier", "string_to_sign");
        Assert.Equal(stringToSign, OssSignerV1.BuildStringToSign(context, OssSignerV1.DateLineOf(context.Headers)));
    }

    [Theory]
    [MemberData(nameof(QueryVectors))]
    public void Presigned_signature_matches_the_official_sdks(string name)
    {
        var vector = SignatureVectors.Find(File, name);
        var input = vector.GetProperty("input");
        var expires = DateTimeOffset.FromUnixTimeSeconds(long.Parse(input.GetProperty("expires_unix").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        var context = SignatureVectors.ContextOf(input, "headers", expires.AddMinutes(-15));

        new OssSignerV1().Presign(context, expires);

        Assert.Equal(vector.GetProperty("expected").GetProperty("signature").GetString(), context.GetQuery("Signature"));
        Assert.Equal(input.GetProperty("access_key_id").GetString(), context.GetQuery("OSSAccessKeyId"));
        Assert.Equal(input.GetProperty("expires_unix").GetString(), context.GetQuery("Expires"));
        Assert.Equal(input.GetProperty("security_token").GetString(), context.GetQuery("security-token"));
    }

    [Fact]
    public void Header_signing_without_a_date_adds_the_Date_header_from_the_signing_time()
    {
        var context = new OssSigningContext
        {
            Method = "GET", Bucket = "b", Key = "k", Credentials = new("ak", "sk"),
            SigningTime = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000),
        };

        new OssSignerV1().SignHeaders(context);

        Assert.Equal("Tue, 14 Nov 2023 22:13:20 GMT", context.Headers["Date"]);
        Assert.StartsWith("GET\n\n\nTue, 14 Nov 2023 22:13:20 GMT\n/b/k", OssSignerV1.BuildStringToSign(context, context.Headers["Date"]), StringComparison.Ordinal);
    }
}
