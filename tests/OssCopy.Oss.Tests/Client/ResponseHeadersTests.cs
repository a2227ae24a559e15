using System.Net;
using OssCopy.Oss.Internal;

namespace OssCopy.Oss.Tests.Client;

public class ResponseHeadersTests
{
    [Fact]
    public void All_headers_are_read_case_insensitively_with_repeated_values_joined_and_content_headers_included()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent([1, 2, 3]) };
        response.Headers.TryAddWithoutValidation("x-oss-request-id", "RID");
        response.Headers.TryAddWithoutValidation("x-oss-meta-a", ["1", "2"]);
        response.Content.Headers.TryAddWithoutValidation("Content-Type", "text/plain;charset=UTF-8");

        var headers = ResponseReader.AllHeaders(response);
        response.Dispose();

        Assert.Equal(3, headers.Count);
        Assert.Equal("RID", headers["X-OSS-REQUEST-ID"]);
        Assert.Equal("1,2", headers["x-oss-meta-a"]);
        Assert.True(headers.TryGetValue("content-type", out var type));
        Assert.Equal("text/plain;charset=UTF-8", type);
        Assert.False(headers.ContainsKey("ETag"));
        Assert.Equal(["x-oss-request-id", "x-oss-meta-a", "Content-Type"], headers.Keys);
    }
}
