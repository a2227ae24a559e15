using LocalOss.Tests.Support;
using OssCopy.Oss.Credentials;

namespace LocalOss.Tests;

/// <summary>OSS resolves the bucket before it authenticates the request.</summary>
public sealed class BucketBeforeAuthenticationTests(AuthFixture fixture) : IClassFixture<AuthFixture>
{
    private const string ExistingBucket = "auth-bucket";

    private OssTestClient Client => fixture.Client;

    public static TheoryData<Signing, string> Credentials => new()
    {
        { Signing.V1, "unknown-key" },
        { Signing.V4, "unknown-key" },
        { Signing.V1, "wrong-secret" },
        { Signing.V4, "wrong-secret" },
    };

    private static OssCredentials CredentialsFor(string kind) => kind == "unknown-key"
        ? new OssCredentials("LTAINoSuchKey", "whatever")
        : new OssCredentials(LocalOssOptions.DefaultAccessKeyId, "not-the-secret");

    [Theory]
    [MemberData(nameof(Credentials))]
    public async Task A_missing_bucket_answers_NoSuchBucket_whatever_the_credentials(Signing signing, string credentials)
    {
        var missing = OssTestClient.NewBucketName("gone");
        foreach (var call in new[]
                 {
                     new OssCall(HttpMethod.Get, missing, "k"),
                     new OssCall(HttpMethod.Head, missing, "k"),
                     new OssCall(HttpMethod.Get, missing),
                     new OssCall(HttpMethod.Put, missing, "k").WithBody("x"),
                 })
        {
            call.Signing = signing;
            call.Credentials = CredentialsFor(credentials);
            var answer = await Client.SendAsync(call);
            Assert.Equal(404, answer.Status);
            Assert.Equal("0015-00000101", answer.Header("x-oss-ec"));
            if (call.Method != HttpMethod.Head)
            {
                Assert.Equal("NoSuchBucket", answer.ErrorCode);
                Assert.Equal(missing, answer.X("BucketName"));
            }
        }
    }

    [Theory]
    [InlineData(Signing.V1)]
    [InlineData(Signing.V4)]
    public async Task An_existing_bucket_with_an_unknown_key_answers_InvalidAccessKeyId_and_a_wrong_secret_SignatureDoesNotMatch(Signing signing)
    {
        var unknown = await Client.SendAsync(new OssCall(HttpMethod.Get, ExistingBucket, "k") { Signing = signing, Credentials = CredentialsFor("unknown-key") });
        Assert.Equal(403, unknown.Status);
        Assert.Equal("InvalidAccessKeyId", unknown.ErrorCode);
        var wrong = await Client.SendAsync(new OssCall(HttpMethod.Get, ExistingBucket, "k") { Signing = signing, Credentials = CredentialsFor("wrong-secret") });
        Assert.Equal(403, wrong.Status);
        Assert.Equal("SignatureDoesNotMatch", wrong.ErrorCode);
    }

    [Fact]
    public async Task Requests_without_a_bucket_and_bucket_creation_still_authenticate_first()
    {
        var list = await Client.SendAsync(new OssCall(HttpMethod.Get, null) { Credentials = CredentialsFor("unknown-key") });
        Assert.Equal(403, list.Status);
        Assert.Equal("InvalidAccessKeyId", list.ErrorCode);
        var create = await Client.SendAsync(new OssCall(HttpMethod.Put, OssTestClient.NewBucketName("new")) { Credentials = CredentialsFor("unknown-key") });
        Assert.Equal(403, create.Status);
        Assert.Equal("InvalidAccessKeyId", create.ErrorCode);
    }
}
