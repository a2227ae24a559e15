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
        var root = await OssXml.LoadRootAsync(response.Content, state.Operation, cancellationToken);
        var encoded = string.Equals(root.Text("EncodingType"), "url", StringComparison.OrdinalIgnoreCase);
        var contents = root.Elements("Contents")
            .Select(c => new OssObjectSummary(
                c.Decoded("Key", encoded) ?? throw new OssException(0, OssErrorCodes.InvalidResponse, "ListObjectsV2: a <Contents> has no <Key>.", null),
                c.Long("Size"),
                c.Text("ETag"),
                c.Time("LastModified"),
                c.Text("StorageClass"),
                c.Text("Type"),
                c.Element("Owner")?.Text("ID"),
                c.Element("Owner")?.Text("DisplayName")))
            .ToList();
        return new ListObjectsV2Result
        {
            StatusCode = (int)response.StatusCode,
            RequestId = ResponseReader.Header(response, OssHeaders.RequestId) ?? string.Empty,
            Headers = ResponseReader.AllHeaders(response),
            Name = root.Text("Name") ?? request.Bucket,
            Prefix = root.Decoded("Prefix", encoded),
            Delimiter = root.Decoded("Delimiter", encoded),
            StartAfter = root.Decoded("StartAfter", encoded),
            ContinuationToken = root.Decoded("ContinuationToken", encoded),
            NextContinuationToken = root.Decoded("NextContinuationToken", encoded),
            MaxKeys = root.Int("MaxKeys"),
            KeyCount = root.Int("KeyCount"),
            IsTruncated = root.Bool("IsTruncated"),
            EncodingType = root.Text("EncodingType"),
            Contents = contents,
            CommonPrefixes = root.Elements("CommonPrefixes").Select(p => p.Decoded("Prefix", encoded) ?? string.Empty).ToList(),
        };
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
