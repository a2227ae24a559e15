namespace OssCopy.Oss.Tests.Configuration;

public class EndpointTests
{
    [Theory]
    [InlineData("cn-hangzhou", "oss-cn-hangzhou.aliyuncs.com", "oss-cn-hangzhou-internal.aliyuncs.com", "cn-hangzhou.oss.aliyuncs.com")]
    [InlineData("oss-ap-southeast-1", "oss-ap-southeast-1.aliyuncs.com", "oss-ap-southeast-1-internal.aliyuncs.com", "ap-southeast-1.oss.aliyuncs.com")]
    public void Region_maps_to_the_official_hosts(string region, string publicHost, string internalHost, string dualStack)
    {
        Assert.Equal(publicHost, OssEndpoints.PublicHost(region));
        Assert.Equal(internalHost, OssEndpoints.InternalHost(region));
        Assert.Equal(dualStack, OssEndpoints.DualStackHost(region));
    }

    [Theory]
    [InlineData("cn-hangzhou", null, false, false, "https://oss-cn-hangzhou.aliyuncs.com/")]
    [InlineData("cn-hangzhou", null, true, false, "https://oss-cn-hangzhou-internal.aliyuncs.com/")]
    [InlineData("cn-hangzhou", null, false, true, "http://oss-cn-hangzhou.aliyuncs.com/")]
    [InlineData("cn-hangzhou", "oss-cn-beijing.aliyuncs.com", false, false, "https://oss-cn-beijing.aliyuncs.com/")]
    [InlineData("cn-hangzhou", "http://127.0.0.1:9000", false, false, "http://127.0.0.1:9000/")]
    [InlineData("cn-hangzhou", "http://localhost:9000/ignored/path", false, false, "http://localhost:9000/")]
    public void Base_endpoint_follows_the_sdk_rules(string region, string? endpoint, bool useInternal, bool disableSsl, string expected) =>
        Assert.Equal(expected, OssEndpoints.ResolveBase(region, endpoint, useInternal, disableSsl).ToString());

    [Theory]
    [InlineData("ftp://host")]
    [InlineData("http://")]
    public void A_bad_endpoint_is_refused(string endpoint) =>
        Assert.Throws<ArgumentException>(() => OssEndpoints.ResolveBase("cn-hangzhou", endpoint, false, false));

    [Theory]
    [InlineData("http://127.0.0.1:9000", true)]
    [InlineData("http://[::1]:9000", true)]
    [InlineData("http://localhost:9000", false)]
    [InlineData("https://oss-cn-hangzhou.aliyuncs.com", false)]
    public void IP_endpoints_force_path_style(string endpoint, bool pathStyle) =>
        Assert.Equal(pathStyle, OssEndpoints.RequiresPathStyle(new Uri(endpoint)));

    [Theory]
    [InlineData("bucket", "key", true, "/bucket/key", "127.0.0.1:9000")]
    [InlineData("bucket", "key", false, "/key", "bucket.127.0.0.1:9000")]
    [InlineData("bucket", null, true, "/bucket/", "127.0.0.1:9000")]
    [InlineData("bucket", null, false, "/", "bucket.127.0.0.1:9000")]
    [InlineData(null, null, true, "/", "127.0.0.1:9000")]
    public void Paths_and_hosts_in_both_styles(string? bucket, string? key, bool pathStyle, string path, string authority)
    {
        Assert.Equal(path, OssEndpoints.BuildPathAndHost(new Uri("http://127.0.0.1:9000"), bucket, key, pathStyle, out var actualAuthority));
        Assert.Equal(authority, actualAuthority);
    }

    [Theory]
    [InlineData("abc", true)]
    [InlineData("my-bucket-01", true)]
    [InlineData("ab", false)]
    [InlineData("-abc", false)]
    [InlineData("abc-", false)]
    [InlineData("ABC", false)]
    [InlineData("a_bc", false)]
    [InlineData("a.bc", false)]
    public void Bucket_name_rules(string name, bool valid)
    {
        Assert.Equal(valid, OssValidation.IsValidBucketName(name));
        Assert.Equal(valid, OssValidation.IsValidBucketName(name + new string('a', 0)));
        Assert.False(OssValidation.IsValidBucketName(new string('a', 64)));
        Assert.True(OssValidation.IsValidBucketName(new string('a', 63)));
    }
}
