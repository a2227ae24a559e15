using OssCopy.Oss.Http;
using OssCopy.Oss.Internal;
using OssCopy.Oss.Models;

namespace OssCopy.Oss;

public sealed partial class OssClient
{
    public async Task<PutObjectResult> PutObjectAsync(PutObjectRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        OssValidation.BucketName(request.Bucket, nameof(request.Bucket));
        OssValidation.ObjectKey(request.Key, nameof(request.Key));
        ArgumentNullException.ThrowIfNull(request.Body, nameof(request.Body));
        var state = NewState("PutObject", "PUT", request.Bucket, request.Key);
        var headers = state.Headers;
        ObjectHeaders.Set(headers, "Content-MD5", request.ContentMd5);
        ObjectHeaders.Attributes(headers, request);

        var content = new OssBodyContent(request.Body);
        using var response = await SendAsync(state, content, cancellationToken);
        var crc = ResponseReader.Crc64(response);
        CheckUploadCrc(state, response, content, crc);
        return new PutObjectResult
        {
            StatusCode = (int)response.StatusCode,
            RequestId = ResponseReader.Header(response, OssHeaders.RequestId) ?? string.Empty,
            Headers = ResponseReader.AllHeaders(response),
            ETag = ResponseReader.Header(response, "ETag"),
            HashCrc64 = crc,
            VersionId = ResponseReader.Header(response, OssHeaders.VersionId),
            ContentMd5 = ResponseReader.Header(response, "Content-MD5"),
        };
    }

    public async Task<GetObjectResult> GetObjectAsync(GetObjectRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        OssValidation.BucketName(request.Bucket, nameof(request.Bucket));
        OssValidation.ObjectKey(request.Key, nameof(request.Key));
        var state = NewState("GetObject", "GET", request.Bucket, request.Key);
        AddVersion(state, request.VersionId);
        if (request.Range is { } range)
        {
            state.Headers["Range"] = ObjectHeaders.Range(range, nameof(request.Range));
        }

        ObjectHeaders.Set(state.Headers, "If-Match", request.IfMatch);
        ObjectHeaders.Set(state.Headers, "If-None-Match", request.IfNoneMatch);
        ObjectHeaders.SetDate(state.Headers, "If-Modified-Since", request.IfModifiedSince);
        ObjectHeaders.SetDate(state.Headers, "If-Unmodified-Since", request.IfUnmodifiedSince);

        var response = await SendAsync(state, null, cancellationToken, streamResponse: true);
        try
        {
            var properties = ResponseReader.Properties(response);
            var requestId = ResponseReader.Header(response, OssHeaders.RequestId) ?? string.Empty;
            Stream content = await response.Content.ReadAsStreamAsync(cancellationToken);
            var isFullRead = response.StatusCode == System.Net.HttpStatusCode.OK;
            if (_options.VerifyCrc64 && isFullRead && properties.HashCrc64 is { } expected)
            {
                content = VerifyingDownload(content, expected, properties.ContentLength, requestId);
            }

            return new GetObjectResult
            {
                StatusCode = (int)response.StatusCode,
                RequestId = requestId,
                Headers = ResponseReader.AllHeaders(response),
                Content = content,
                Properties = properties,
                ContentRange = ResponseReader.Header(response, "Content-Range"),
                Response = response,
            };
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    public async Task<HeadObjectResult> HeadObjectAsync(HeadObjectRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        OssValidation.BucketName(request.Bucket, nameof(request.Bucket));
        OssValidation.ObjectKey(request.Key, nameof(request.Key));
        var state = NewState("HeadObject", "HEAD", request.Bucket, request.Key);
        AddVersion(state, request.VersionId);
        using var response = await SendAsync(state, null, cancellationToken);
        return new HeadObjectResult
        {
            StatusCode = (int)response.StatusCode,
            RequestId = ResponseReader.Header(response, OssHeaders.RequestId) ?? string.Empty,
            Headers = ResponseReader.AllHeaders(response),
            Properties = ResponseReader.Properties(response),
        };
    }

    public async Task<DeleteObjectResult> DeleteObjectAsync(DeleteObjectRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        OssValidation.BucketName(request.Bucket, nameof(request.Bucket));
        OssValidation.ObjectKey(request.Key, nameof(request.Key));
        var state = NewState("DeleteObject", "DELETE", request.Bucket, request.Key);
        AddVersion(state, request.VersionId);
        using var response = await SendAsync(state, null, cancellationToken);
        return new DeleteObjectResult
        {
            StatusCode = (int)response.StatusCode,
            RequestId = ResponseReader.Header(response, OssHeaders.RequestId) ?? string.Empty,
            Headers = ResponseReader.AllHeaders(response),
            VersionId = ResponseReader.Header(response, OssHeaders.VersionId),
            IsDeleteMarker = string.Equals(ResponseReader.Header(response, OssHeaders.DeleteMarker), "true", StringComparison.OrdinalIgnoreCase),
        };
    }

    public async ValueTask<PresignResult> PresignGetObjectAsync(PresignGetObjectRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        OssValidation.BucketName(request.Bucket, nameof(request.Bucket));
        OssValidation.ObjectKey(request.Key, nameof(request.Key));
        var maxExpiry = _options.SignatureVersion == Signing.OssSignatureVersion.V4 ? TimeSpan.FromDays(7) : TimeSpan.MaxValue;
        if (request.Expiry <= TimeSpan.Zero || request.Expiry > maxExpiry)
        {
            throw new ArgumentOutOfRangeException(nameof(request.Expiry), request.Expiry, "A presigned URL expires after a positive time, at most 7 days with V4.");
        }

        var credentials = await _credentials.GetCredentialsAsync(cancellationToken);
        var now = _clock.UtcNow;
        var context = new Signing.OssSigningContext
        {
            Method = "GET",
            Bucket = request.Bucket,
            Key = request.Key,
            Credentials = credentials,
            Region = SigningRegion,
            SigningTime = now,
        };
        if (request.VersionId is not null)
        {
            context.Query.Add(new("versionId", request.VersionId));
        }

        foreach (var (name, value) in request.QueryParameters ?? new Dictionary<string, string>())
        {
            context.Query.Add(new(name, value));
        }

        var expiration = now + request.Expiry;
        CreateSigner(_options.SignatureVersion).Presign(context, expiration);
        return new PresignResult { Url = BuildUri(request.Bucket, request.Key, context.Query), Method = "GET", Expiration = expiration };
    }

    /// <summary>
    /// Hashes a full download as it is read and fails at its last byte if the bytes are not what the service
    /// announced: corrupted data is an error, never silently kept.
    /// </summary>
    private static Hashing.Crc64ReadStream VerifyingDownload(Stream content, ulong expectedCrc, long expectedLength, string requestId) =>
        new(content, leaveOpen: false, onEnd: received =>
        {
            if (received.Length != expectedLength || received.Value != expectedCrc)
            {
                throw new OssException(
                    0,
                    OssErrorCodes.InconsistentCrc,
                    $"The downloaded object does not match the service's CRC-64: received {received.Length} bytes hashing to {Hashing.Crc64.Format(received.Value)}, expected {expectedLength} bytes hashing to {Hashing.Crc64.Format(expectedCrc)}.",
                    requestId);
            }
        });

    private static void AddVersion(Http.OssRequestState state, string? versionId)
    {
        if (versionId is not null)
        {
            OssValidation.NotEmpty(versionId, "VersionId");
            state.Query.Add(new("versionId", versionId));
        }
    }

    /// <summary>An upload whose bytes hash differently on the service than here was corrupted on the way: fail loudly.</summary>
    private void CheckUploadCrc(Http.OssRequestState state, HttpResponseMessage response, OssBodyContent content, ulong? serverCrc)
    {
        if (!_options.VerifyCrc64 || serverCrc is null || content.SentCrc64 is not { } sent || sent == serverCrc)
        {
            return;
        }

        throw new OssException(
            0,
            OssErrorCodes.InconsistentCrc,
            $"{state.Operation} {state.Bucket}/{state.Key}: the service hashed the upload to CRC-64 {Hashing.Crc64.Format(serverCrc.Value)}, the client sent {Hashing.Crc64.Format(sent)}.",
            ResponseReader.Header(response, OssHeaders.RequestId));
    }
}
