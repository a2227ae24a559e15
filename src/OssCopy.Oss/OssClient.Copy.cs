using OssCopy.Oss.Internal;
using OssCopy.Oss.Models;

namespace OssCopy.Oss;

public sealed partial class OssClient
{
    public async Task<CopyObjectResult> CopyObjectAsync(CopyObjectRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var state = BuildCopyState(request);
        try
        {
            using var response = await SendAsync(state, null, cancellationToken);
            var root = await OssXml.LoadRootAsync(response.Content, state.Operation, cancellationToken);
            return new CopyObjectResult
            {
                StatusCode = (int)response.StatusCode,
                RequestId = ResponseReader.Header(response, OssHeaders.RequestId) ?? string.Empty,
                Headers = ResponseReader.AllHeaders(response),
                ETag = root.Text("ETag") ?? ResponseReader.Header(response, "ETag"),
                LastModified = root.Time("LastModified"),
                VersionId = ResponseReader.Header(response, OssHeaders.VersionId),
                SourceVersionId = ResponseReader.Header(response, OssHeaders.CopySourceVersionId),
                HashCrc64 = ResponseReader.Crc64(response),
                Encryption = ResponseReader.Encryption(response),
            };
        }
        catch (OssException ex) when (ex.ErrorCode == OssErrorCodes.FileAlreadyExists && state.Attempts > 1)
        {
            // An earlier attempt may have succeeded and only its answer been lost: the destination then is our copy.
            // Decide by content (size and CRC-64 against the source), never by assumption.
            var confirmed = await ConfirmOwnCopyAsync(request, ex, cancellationToken);
            if (confirmed is null)
            {
                throw;
            }

            return confirmed;
        }
    }

    private Http.OssRequestState BuildCopyState(CopyObjectRequest request)
    {
        OssValidation.BucketName(request.Bucket, nameof(request.Bucket));
        OssValidation.ObjectKey(request.Key, nameof(request.Key));
        var sourceBucket = request.SourceBucket ?? request.Bucket;
        OssValidation.BucketName(sourceBucket, nameof(request.SourceBucket));
        OssValidation.ObjectKey(request.SourceKey, nameof(request.SourceKey));
        if (request.SourceVersionId is { Length: 0 })
        {
            throw new ArgumentException("SourceVersionId must not be empty when given.", nameof(request.SourceVersionId));
        }

        var state = NewState("CopyObject", "PUT", request.Bucket, request.Key);
        var headers = state.Headers;
        headers[OssHeaders.CopySource] = ObjectHeaders.CopySource(sourceBucket, request.SourceKey, request.SourceVersionId);
        ObjectHeaders.SetBool(headers, OssHeaders.ForbidOverwrite, request.ForbidOverwrite);
        ObjectHeaders.Set(headers, OssHeaders.MetadataDirective, OssDirective.Normalize(request.MetadataDirective, nameof(request.MetadataDirective))?.ToUpperInvariant());
        var taggingDirective = OssDirective.Normalize(request.TaggingDirective, nameof(request.TaggingDirective));
        ObjectHeaders.Set(headers, OssHeaders.TaggingDirective, taggingDirective);
        ObjectHeaders.Tagging(headers, request.Tagging, nameof(request.Tagging));
        ObjectHeaders.Standard(headers, request.ContentType, request.CacheControl, request.ContentDisposition, request.ContentEncoding, request.Expires);
        ObjectHeaders.Metadata(headers, request.Metadata, nameof(request.Metadata));
        ObjectHeaders.Set(headers, OssHeaders.CopySourceIfMatch, request.CopySourceIfMatch);
        ObjectHeaders.Set(headers, OssHeaders.CopySourceIfNoneMatch, request.CopySourceIfNoneMatch);
        ObjectHeaders.SetDate(headers, OssHeaders.CopySourceIfModifiedSince, request.CopySourceIfModifiedSince);
        ObjectHeaders.SetDate(headers, OssHeaders.CopySourceIfUnmodifiedSince, request.CopySourceIfUnmodifiedSince);
        ObjectHeaders.Encryption(headers, request.ServerSideEncryption, request.ServerSideDataEncryption, request.ServerSideEncryptionKeyId, nameof(CopyObjectRequest));
        ObjectHeaders.AclAndStorageClass(headers, request.ObjectAcl, request.StorageClass, nameof(CopyObjectRequest));
        if (request.TrafficLimit is { } limit)
        {
            if (limit <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(request.TrafficLimit), limit, "The traffic limit is a positive number of bit/s.");
            }

            headers[OssHeaders.TrafficLimit] = ObjectHeaders.Invariant(limit);
        }

        ObjectHeaders.Set(headers, OssHeaders.RequestPayer, request.RequestPayer);
        return state;
    }

    private async Task<CopyObjectResult?> ConfirmOwnCopyAsync(CopyObjectRequest request, OssException conflict, CancellationToken cancellationToken)
    {
        var source = await HeadObjectAsync(
            new HeadObjectRequest { Bucket = request.SourceBucket ?? request.Bucket, Key = request.SourceKey, VersionId = request.SourceVersionId },
            cancellationToken);
        var destination = await HeadObjectAsync(new HeadObjectRequest { Bucket = request.Bucket, Key = request.Key }, cancellationToken);
        var s = source.Properties;
        var d = destination.Properties;
        var same = s.HashCrc64 is not null && s.HashCrc64 == d.HashCrc64 && s.ContentLength == d.ContentLength;
        OssLog.CopyConflictAfterRetry(_logger, request.Bucket, request.Key, conflict.RequestId, same);
        if (!same)
        {
            return null;
        }

        return new CopyObjectResult
        {
            StatusCode = 200,
            RequestId = destination.RequestId,
            Headers = destination.Headers,
            ETag = d.ETag,
            LastModified = d.LastModified,
            VersionId = d.VersionId,
            SourceVersionId = s.VersionId,
            HashCrc64 = d.HashCrc64,
            Encryption = d.Encryption,
            ConfirmedAfterRetry = true,
        };
    }
}
