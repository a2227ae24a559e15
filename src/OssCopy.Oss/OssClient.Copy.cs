using OssCopy.Oss.Internal;
using OssCopy.Oss.Models;

namespace OssCopy.Oss;

public sealed partial class OssClient
{
    // Last-Modified has one-second resolution and the clocks may differ a little after skew correction.
    private static readonly TimeSpan ConfirmationClockMargin = TimeSpan.FromMinutes(1);

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
            var confirmed = await ConfirmOwnCopyAsync(request, ex, state.FirstAttemptAt, cancellationToken);
            if (confirmed is null)
            {
                throw;
            }

            return confirmed;
        }
    }

    private static Http.OssRequestState BuildCopyState(CopyObjectRequest request)
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
        state.RetryThrottling = Http.OssRetryScope.RetriesThrottledCopyObject;
        var headers = state.Headers;
        headers[OssHeaders.CopySource] = ObjectHeaders.CopySource(sourceBucket, request.SourceKey, request.SourceVersionId);
        ObjectHeaders.Set(headers, OssHeaders.MetadataDirective, OssDirective.Normalize(request.MetadataDirective, nameof(request.MetadataDirective))?.ToUpperInvariant());
        var taggingDirective = OssDirective.Normalize(request.TaggingDirective, nameof(request.TaggingDirective));
        ObjectHeaders.Set(headers, OssHeaders.TaggingDirective, taggingDirective);
        ObjectHeaders.Attributes(headers, request);
        ObjectHeaders.Set(headers, OssHeaders.CopySourceIfMatch, request.CopySourceIfMatch);
        ObjectHeaders.Set(headers, OssHeaders.CopySourceIfNoneMatch, request.CopySourceIfNoneMatch);
        ObjectHeaders.SetDate(headers, OssHeaders.CopySourceIfModifiedSince, request.CopySourceIfModifiedSince);
        ObjectHeaders.SetDate(headers, OssHeaders.CopySourceIfUnmodifiedSince, request.CopySourceIfUnmodifiedSince);
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

    /// <summary>
    /// The destination is our own copy only if it has the source's size and CRC-64 and was written after our first
    /// attempt (an older object with the same bytes is someone else's, and forbid-overwrite protected it). If either
    /// HEAD fails, the original conflict is what the caller hears.
    /// </summary>
    private async Task<CopyObjectResult?> ConfirmOwnCopyAsync(CopyObjectRequest request, OssException conflict, DateTimeOffset? firstAttemptAt, CancellationToken cancellationToken)
    {
        HeadObjectResult source, destination;
        try
        {
            source = await HeadObjectAsync(
                new HeadObjectRequest { Bucket = request.SourceBucket ?? request.Bucket, Key = request.SourceKey, VersionId = request.SourceVersionId },
                cancellationToken);
            destination = await HeadObjectAsync(new HeadObjectRequest { Bucket = request.Bucket, Key = request.Key }, cancellationToken);
        }
        catch (OssException)
        {
            return null;
        }

        var s = source.Properties;
        var d = destination.Properties;
        var writtenByUs = firstAttemptAt is null || d.LastModified is null || d.LastModified >= firstAttemptAt.Value - ConfirmationClockMargin;
        var same = s.HashCrc64 is not null && s.HashCrc64 == d.HashCrc64 && s.ContentLength == d.ContentLength && writtenByUs;
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
