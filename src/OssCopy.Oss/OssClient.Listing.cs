using System.Globalization;
using OssCopy.Oss.Internal;
using OssCopy.Oss.Models;

namespace OssCopy.Oss;

public sealed partial class OssClient
{
    public async Task<ListObjectsV2Result> ListObjectsV2Async(ListObjectsV2Request request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        OssValidation.BucketName(request.Bucket, nameof(request.Bucket));
        if (request.MaxKeys is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(request.MaxKeys), request.MaxKeys, "MaxKeys is between 1 and 1000.");
        }

        var state = NewState("ListObjectsV2", "GET", request.Bucket, null);
        state.Query.Add(new("list-type", "2"));
        AddQuery(state, "prefix", request.Prefix);
        AddQuery(state, "delimiter", request.Delimiter);
        AddQuery(state, "start-after", request.StartAfter);
        AddQuery(state, "continuation-token", request.ContinuationToken);
        state.Query.Add(new("max-keys", request.MaxKeys.ToString(CultureInfo.InvariantCulture)));
        if (request.UrlEncoding)
        {
            state.Query.Add(new("encoding-type", "url"));
        }

        if (request.FetchOwner)
        {
            state.Query.Add(new("fetch-owner", "true"));
        }

        using var response = await SendAsync(state, null, cancellationToken);
        var page = await OssXml.ParseAsync(response.Content, state.Operation, ListObjectsV2Parser.Parse, cancellationToken);
        return ListObjectsV2Parser.ToResult(page, request.Bucket, (int)response.StatusCode,
            ResponseReader.Header(response, OssHeaders.RequestId) ?? string.Empty, ResponseReader.AllHeaders(response));
    }

    public IAsyncEnumerable<ListObjectsV2Result> ListObjectsV2PagesAsync(ListObjectsV2Request request, CancellationToken cancellationToken = default) =>
        ListObjectsV2Paging.PagesAsync(ListObjectsV2Async, request, cancellationToken);

    private static void AddQuery(Http.OssRequestState state, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            state.Query.Add(new(name, value));
        }
    }
}
