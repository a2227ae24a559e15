using System.Net.Http.Headers;
using System.Text;
using System.Xml.Linq;
using OssCopy.Oss.Internal;
using OssCopy.Oss.Models;

namespace OssCopy.Oss;

public sealed partial class OssClient
{
    public async Task<GetObjectTaggingResult> GetObjectTaggingAsync(GetObjectTaggingRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        OssValidation.BucketName(request.Bucket, nameof(request.Bucket));
        OssValidation.ObjectKey(request.Key, nameof(request.Key));
        var state = NewState("GetObjectTagging", "GET", request.Bucket, request.Key);
        state.Query.Add(new("tagging", string.Empty));
        AddVersion(state, request.VersionId);
        using var response = await SendAsync(state, null, cancellationToken);
        var root = await OssXml.LoadRootAsync(response.Content, state.Operation, cancellationToken);
        var tags = root.Element("TagSet")?.Elements("Tag")
            .Select(t => new KeyValuePair<string, string>(t.Text("Key") ?? string.Empty, t.Text("Value") ?? string.Empty))
            ?? [];
        return new GetObjectTaggingResult
        {
            StatusCode = (int)response.StatusCode,
            RequestId = ResponseReader.Header(response, OssHeaders.RequestId) ?? string.Empty,
            Headers = ResponseReader.AllHeaders(response),
            Tags = OssTagging.FromService(tags),
            VersionId = ResponseReader.Header(response, OssHeaders.VersionId),
        };
    }

    public async Task<PutObjectTaggingResult> PutObjectTaggingAsync(PutObjectTaggingRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        OssValidation.BucketName(request.Bucket, nameof(request.Bucket));
        OssValidation.ObjectKey(request.Key, nameof(request.Key));
        ArgumentNullException.ThrowIfNull(request.Tags, nameof(request.Tags));
        var state = NewState("PutObjectTagging", "PUT", request.Bucket, request.Key);
        state.Query.Add(new("tagging", string.Empty));
        AddVersion(state, request.VersionId);
        var body = new XElement("Tagging", new XElement("TagSet",
            request.Tags.Tags.Select(t => new XElement("Tag", new XElement("Key", t.Key), new XElement("Value", t.Value)))));
        using var response = await SendAsync(state, XmlContent(state, body), cancellationToken);
        return new PutObjectTaggingResult
        {
            StatusCode = (int)response.StatusCode,
            RequestId = ResponseReader.Header(response, OssHeaders.RequestId) ?? string.Empty,
            Headers = ResponseReader.AllHeaders(response),
            VersionId = ResponseReader.Header(response, OssHeaders.VersionId),
        };
    }

    public async Task<OssEmptyResult> PutBucketAsync(PutBucketRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        OssValidation.BucketName(request.Bucket, nameof(request.Bucket));
        var state = NewState("PutBucket", "PUT", request.Bucket, null);
        if (request.Acl is not null)
        {
            state.Headers[OssHeaders.BucketAcl] = OssValidation.OneOf(request.Acl, [OssObjectAcl.Private, OssObjectAcl.PublicRead, OssObjectAcl.PublicReadWrite], nameof(request.Acl))!;
        }

        HttpContent? content = null;
        if (request.StorageClass is not null || request.DataRedundancyType is not null)
        {
            var configuration = new XElement("CreateBucketConfiguration");
            if (request.StorageClass is not null)
            {
                configuration.Add(new XElement("StorageClass", OssStorageClass.Normalize(request.StorageClass, nameof(request.StorageClass))));
            }

            if (request.DataRedundancyType is not null)
            {
                configuration.Add(new XElement("DataRedundancyType", OssValidation.OneOf(request.DataRedundancyType, ["LRS", "ZRS"], nameof(request.DataRedundancyType))));
            }

            content = XmlContent(state, configuration);
        }

        return await SendEmptyAsync(state, content, cancellationToken);
    }

    public async Task<GetBucketInfoResult> GetBucketInfoAsync(string bucket, CancellationToken cancellationToken = default)
    {
        OssValidation.BucketName(bucket, nameof(bucket));
        var state = NewState("GetBucketInfo", "GET", bucket, null);
        state.Query.Add(new("bucketInfo", string.Empty));
        using var response = await SendAsync(state, null, cancellationToken);
        var root = await OssXml.LoadRootAsync(response.Content, state.Operation, cancellationToken);
        var b = root.Element("Bucket") ?? root;
        return new GetBucketInfoResult
        {
            StatusCode = (int)response.StatusCode,
            RequestId = ResponseReader.Header(response, OssHeaders.RequestId) ?? string.Empty,
            Headers = ResponseReader.AllHeaders(response),
            Bucket = new OssBucketInfo
            {
                Name = b.Text("Name") ?? bucket,
                Location = b.Text("Location"),
                CreationDate = b.Time("CreationDate"),
                ExtranetEndpoint = b.Text("ExtranetEndpoint"),
                IntranetEndpoint = b.Text("IntranetEndpoint"),
                StorageClass = b.Text("StorageClass"),
                Acl = b.Element("AccessControlList")?.Text("Grant"),
                Versioning = b.Text("Versioning"),
                OwnerId = b.Element("Owner")?.Text("ID"),
            },
        };
    }

    public async Task<GetBucketLocationResult> GetBucketLocationAsync(string bucket, CancellationToken cancellationToken = default)
    {
        OssValidation.BucketName(bucket, nameof(bucket));
        var state = NewState("GetBucketLocation", "GET", bucket, null);
        state.Query.Add(new("location", string.Empty));
        using var response = await SendAsync(state, null, cancellationToken);
        var root = await OssXml.LoadRootAsync(response.Content, state.Operation, cancellationToken);
        return new GetBucketLocationResult
        {
            StatusCode = (int)response.StatusCode,
            RequestId = ResponseReader.Header(response, OssHeaders.RequestId) ?? string.Empty,
            Headers = ResponseReader.AllHeaders(response),
            Location = root.Value,
        };
    }

    public async Task<OssEmptyResult> PutBucketVersioningAsync(string bucket, string status, CancellationToken cancellationToken = default)
    {
        OssValidation.BucketName(bucket, nameof(bucket));
        var normalized = OssValidation.OneOf(status, [OssVersioningStatus.Enabled, OssVersioningStatus.Suspended], nameof(status))
                         ?? throw new ArgumentNullException(nameof(status));
        var state = NewState("PutBucketVersioning", "PUT", bucket, null);
        state.Query.Add(new("versioning", string.Empty));
        var body = new XElement("VersioningConfiguration", new XElement("Status", normalized));
        return await SendEmptyAsync(state, XmlContent(state, body), cancellationToken);
    }

    public async Task<GetBucketVersioningResult> GetBucketVersioningAsync(string bucket, CancellationToken cancellationToken = default)
    {
        OssValidation.BucketName(bucket, nameof(bucket));
        var state = NewState("GetBucketVersioning", "GET", bucket, null);
        state.Query.Add(new("versioning", string.Empty));
        using var response = await SendAsync(state, null, cancellationToken);
        var root = await OssXml.LoadRootAsync(response.Content, state.Operation, cancellationToken);
        return new GetBucketVersioningResult
        {
            StatusCode = (int)response.StatusCode,
            RequestId = ResponseReader.Header(response, OssHeaders.RequestId) ?? string.Empty,
            Headers = ResponseReader.AllHeaders(response),
            Status = root.Text("Status"),
        };
    }

    private async Task<OssEmptyResult> SendEmptyAsync(Http.OssRequestState state, HttpContent? content, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(state, content, cancellationToken);
        return new OssEmptyResult
        {
            StatusCode = (int)response.StatusCode,
            RequestId = ResponseReader.Header(response, OssHeaders.RequestId) ?? string.Empty,
            Headers = ResponseReader.AllHeaders(response),
        };
    }

    /// <summary>An XML body; its Content-Type goes through the state so that it is signed as sent.</summary>
    private static ByteArrayContent XmlContent(Http.OssRequestState state, XElement root)
    {
        state.Headers["Content-Type"] = "application/xml";
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(OssXml.Serialize(root)));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/xml");
        return content;
    }
}
