using System.Globalization;
using System.Xml.Linq;
using OssCopy.Oss.Http;
using OssCopy.Oss.Internal;
using OssCopy.Oss.Models;

namespace OssCopy.Oss;

public sealed partial class OssClient
{
    public async Task<InitiateMultipartUploadResult> InitiateMultipartUploadAsync(InitiateMultipartUploadRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        OssValidation.BucketName(request.Bucket, nameof(request.Bucket));
        OssValidation.ObjectKey(request.Key, nameof(request.Key));
        var state = NewState("InitiateMultipartUpload", "POST", request.Bucket, request.Key);
        state.Query.Add(new("uploads", string.Empty));
        state.Query.Add(new("encoding-type", "url"));
        var headers = state.Headers;
        ObjectHeaders.Attributes(headers, request);
        using var response = await SendAsync(state, null, cancellationToken);
        var root = await OssXml.LoadRootAsync(response.Content, state.Operation, cancellationToken);
        var keyEncoded = string.Equals(root.Text("EncodingType"), "url", StringComparison.OrdinalIgnoreCase);
        return new InitiateMultipartUploadResult
        {
            StatusCode = (int)response.StatusCode,
            RequestId = ResponseReader.Header(response, OssHeaders.RequestId) ?? string.Empty,
            Headers = ResponseReader.AllHeaders(response),
            Bucket = root.Text("Bucket") ?? request.Bucket,
            Key = root.Decoded("Key", keyEncoded) ?? request.Key,
            UploadId = root.RequiredText("UploadId", state.Operation),
        };
    }

    public async Task<UploadPartResult> UploadPartAsync(UploadPartRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var state = PartState("UploadPart", request.Bucket, request.Key, request.UploadId, request.PartNumber);
        ArgumentNullException.ThrowIfNull(request.Body, nameof(request.Body));
        var content = new OssBodyContent(request.Body);
        using var response = await SendAsync(state, content, cancellationToken);
        var crc = ResponseReader.Crc64(response);
        CheckUploadCrc(state, response, content, crc);
        return new UploadPartResult
        {
            StatusCode = (int)response.StatusCode,
            RequestId = ResponseReader.Header(response, OssHeaders.RequestId) ?? string.Empty,
            Headers = ResponseReader.AllHeaders(response),
            ETag = ResponseReader.Header(response, "ETag")
                   ?? throw new OssException(0, OssErrorCodes.InvalidResponse, "UploadPart: the answer has no ETag.", ResponseReader.Header(response, OssHeaders.RequestId)),
            HashCrc64 = crc ?? content.SentCrc64,
        };
    }

    public async Task<UploadPartCopyResult> UploadPartCopyAsync(UploadPartCopyRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var state = PartState("UploadPartCopy", request.Bucket, request.Key, request.UploadId, request.PartNumber);
        var sourceBucket = request.SourceBucket ?? request.Bucket;
        OssValidation.BucketName(sourceBucket, nameof(request.SourceBucket));
        OssValidation.ObjectKey(request.SourceKey, nameof(request.SourceKey));
        var headers = state.Headers;
        headers[OssHeaders.CopySource] = ObjectHeaders.CopySource(sourceBucket, request.SourceKey, request.SourceVersionId);
        if (request.SourceRange is { } range)
        {
            headers[OssHeaders.CopySourceRange] = ObjectHeaders.Range(range, nameof(request.SourceRange));
        }

        ObjectHeaders.Set(headers, OssHeaders.CopySourceIfMatch, request.CopySourceIfMatch);
        ObjectHeaders.Set(headers, OssHeaders.CopySourceIfNoneMatch, request.CopySourceIfNoneMatch);
        ObjectHeaders.SetDate(headers, OssHeaders.CopySourceIfModifiedSince, request.CopySourceIfModifiedSince);
        ObjectHeaders.SetDate(headers, OssHeaders.CopySourceIfUnmodifiedSince, request.CopySourceIfUnmodifiedSince);
        using var response = await SendAsync(state, null, cancellationToken);
        var root = await OssXml.LoadRootAsync(response.Content, state.Operation, cancellationToken);
        return new UploadPartCopyResult
        {
            StatusCode = (int)response.StatusCode,
            RequestId = ResponseReader.Header(response, OssHeaders.RequestId) ?? string.Empty,
            Headers = ResponseReader.AllHeaders(response),
            ETag = root.RequiredText("ETag", state.Operation),
            LastModified = root.Time("LastModified"),
            SourceVersionId = ResponseReader.Header(response, OssHeaders.CopySourceVersionId),
            HashCrc64 = ResponseReader.Crc64(response),
        };
    }

    public async Task<CompleteMultipartUploadResult> CompleteMultipartUploadAsync(CompleteMultipartUploadRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        OssValidation.BucketName(request.Bucket, nameof(request.Bucket));
        OssValidation.ObjectKey(request.Key, nameof(request.Key));
        OssValidation.NotEmpty(request.UploadId, nameof(request.UploadId));
        if (request.CompleteAll == (request.Parts is not null))
        {
            throw new ArgumentException("Give either Parts or CompleteAll, not both and not neither.", nameof(request.Parts));
        }

        var state = NewState("CompleteMultipartUpload", "POST", request.Bucket, request.Key);
        state.Query.Add(new("uploadId", request.UploadId));
        state.Query.Add(new("encoding-type", "url"));
        ObjectHeaders.SetBool(state.Headers, OssHeaders.ForbidOverwrite, request.ForbidOverwrite);
        HttpContent? content = null;
        if (request.CompleteAll)
        {
            state.Headers[OssHeaders.CompleteAll] = "yes";
        }
        else
        {
            var parts = request.Parts!.OrderBy(p => p.PartNumber).ToList();
            if (parts.Count == 0)
            {
                throw new ArgumentException("At least one part is needed.", nameof(request.Parts));
            }

            for (var i = 0; i < parts.Count; i++)
            {
                OssValidation.PartNumber(parts[i].PartNumber, nameof(request.Parts));
                if (i > 0 && parts[i].PartNumber == parts[i - 1].PartNumber)
                {
                    throw new ArgumentException($"Part {parts[i].PartNumber} is listed twice.", nameof(request.Parts));
                }
            }

            content = XmlContent(state, new XElement("CompleteMultipartUpload", parts.Select(p =>
                new XElement("Part", new XElement("PartNumber", p.PartNumber.ToString(CultureInfo.InvariantCulture)), new XElement("ETag", p.ETag)))));
        }

        using var response = await SendAsync(state, content, cancellationToken);
        var root = await OssXml.LoadRootAsync(response.Content, state.Operation, cancellationToken);
        var encoded = string.Equals(root.Text("EncodingType"), "url", StringComparison.OrdinalIgnoreCase);
        return new CompleteMultipartUploadResult
        {
            StatusCode = (int)response.StatusCode,
            RequestId = ResponseReader.Header(response, OssHeaders.RequestId) ?? string.Empty,
            Headers = ResponseReader.AllHeaders(response),
            Bucket = root.Text("Bucket"),
            Key = root.Decoded("Key", encoded),
            ETag = root.Text("ETag") ?? ResponseReader.Header(response, "ETag"),
            Location = root.Text("Location"),
            HashCrc64 = ResponseReader.Crc64(response),
            VersionId = ResponseReader.Header(response, OssHeaders.VersionId),
        };
    }

    public async Task<OssEmptyResult> AbortMultipartUploadAsync(AbortMultipartUploadRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        OssValidation.BucketName(request.Bucket, nameof(request.Bucket));
        OssValidation.ObjectKey(request.Key, nameof(request.Key));
        OssValidation.NotEmpty(request.UploadId, nameof(request.UploadId));
        var state = NewState("AbortMultipartUpload", "DELETE", request.Bucket, request.Key);
        state.Query.Add(new("uploadId", request.UploadId));
        try
        {
            return await SendEmptyAsync(state, null, cancellationToken);
        }
        catch (OssException ex) when (ex.ErrorCode == OssErrorCodes.NoSuchUpload && state.Attempts > 1)
        {
            // The upload is gone: an earlier attempt whose answer was lost aborted it, which is what was asked.
            return new OssEmptyResult { StatusCode = 204, RequestId = ex.RequestId ?? string.Empty };
        }
    }

    private static OssRequestState PartState(string operation, string bucket, string key, string uploadId, int partNumber)
    {
        OssValidation.BucketName(bucket, "Bucket");
        OssValidation.ObjectKey(key, "Key");
        OssValidation.NotEmpty(uploadId, "UploadId");
        OssValidation.PartNumber(partNumber, "PartNumber");
        var state = NewState(operation, "PUT", bucket, key);
        state.Query.Add(new("partNumber", partNumber.ToString(CultureInfo.InvariantCulture)));
        state.Query.Add(new("uploadId", uploadId));
        return state;
    }
}
