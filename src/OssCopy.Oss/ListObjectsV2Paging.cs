using System.Runtime.CompilerServices;
using OssCopy.Oss.Models;

namespace OssCopy.Oss;

/// <summary>
/// Follows continuation tokens over any one-page lister, so every <see cref="IOssClient"/> (the client itself and
/// decorators that count or throttle its calls) pages the same way and sees each page as its own call.
/// </summary>
public static class ListObjectsV2Paging
{
    public static async IAsyncEnumerable<ListObjectsV2Result> PagesAsync(
        Func<ListObjectsV2Request, CancellationToken, Task<ListObjectsV2Result>> listPage,
        ListObjectsV2Request request,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(listPage);
        ArgumentNullException.ThrowIfNull(request);
        var page = await listPage(request, cancellationToken);
        yield return page;
        while (page.IsTruncated)
        {
            if (string.IsNullOrEmpty(page.NextContinuationToken))
            {
                throw new OssException(0, OssErrorCodes.InvalidResponse, "ListObjectsV2: a truncated page has no NextContinuationToken.", page.RequestId);
            }

            page = await listPage(WithToken(request, page.NextContinuationToken), cancellationToken);
            yield return page;
        }
    }

    private static ListObjectsV2Request WithToken(ListObjectsV2Request request, string token) => new()
    {
        Bucket = request.Bucket,
        Prefix = request.Prefix,
        Delimiter = request.Delimiter,
        StartAfter = request.StartAfter,
        ContinuationToken = token,
        MaxKeys = request.MaxKeys,
        FetchOwner = request.FetchOwner,
        UrlEncoding = request.UrlEncoding,
    };
}
