using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OssCopy.Core.Internal;
using OssCopy.Oss;
using OssCopy.Oss.Models;

namespace OssCopy.Core.Copying;

/// <summary>
/// Copies one object: validate → (same region?) → HEAD the source → one CopyObject, or a multipart copy for large
/// sources → verify → a <see cref="CopyOutcome"/>. Every copy is pinned to the source ETag the engine saw, so a
/// source that changes meanwhile is reported as <see cref="CopyStatus.SourceChanged"/>, never copied half old.
/// </summary>
public sealed class CopyOrchestrator
{
    private readonly IOssClient _client;
    private readonly CopyEngineOptions _options;
    private readonly ILogger _logger;
    private readonly BucketRegionCache _regions;

    public CopyOrchestrator(IOssClient client, IOptions<CopyEngineOptions> options, ILogger<CopyOrchestrator>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _options = options.Value;
        _options.ThrowIfInvalid();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _regions = new BucketRegionCache(client, _logger);
    }

    public CopyEngineOptions Options => _options;

    /// <summary>
    /// This engine with another verification level (plans choose theirs, see <c>VerificationPolicy</c>): the same
    /// client, logger and region cache; itself when the level is already this one.
    /// </summary>
    public CopyOrchestrator WithVerification(CopyVerification verification) =>
        verification == _options.Verification ? this : new CopyOrchestrator(this, verification);

    private CopyOrchestrator(CopyOrchestrator root, CopyVerification verification)
    {
        _client = root._client;
        _logger = root._logger;
        _regions = root._regions;
        _options = new CopyEngineOptions
        {
            MultipartThreshold = root._options.MultipartThreshold,
            PartSize = root._options.PartSize,
            PartParallelism = root._options.PartParallelism,
            Verification = verification,
            AbortTimeout = root._options.AbortTimeout,
            CheckSameRegion = root._options.CheckSameRegion,
        };
    }

    /// <summary>
    /// Copies one object. Throws <see cref="CopyValidationException"/> for a bad request (before any OSS call) and
    /// <see cref="OperationCanceledException"/> when cancelled; every OSS refusal is an outcome, not an exception.
    /// </summary>
    public Task<CopyOutcome> CopyAsync(CopyRequest request, CancellationToken cancellationToken = default)
    {
        try
        {
            CopyRequestValidator.ThrowIfInvalid(request);
        }
        catch (Exception ex)
        {
            // In the task, as an async method puts it: a caller that awaits later still sees it there.
            return Task.FromException<CopyOutcome>(ex);
        }

        // The context starts the clock; every outcome made from it carries the duration, so none is copied to add it.
        return CopyValidatedAsync(new CopyContext(request), cancellationToken);
    }

    private CopyOutcome Finish(CopyOutcome outcome)
    {
        switch (outcome.Status)
        {
            case CopyStatus.Copied:
                CoreLog.Copied(_logger, outcome.SourceBucket, outcome.SourceKey, outcome.Bucket, outcome.Key, outcome.SourceSize, outcome.Strategy,
                    outcome.Verified, outcome.Duration.TotalMilliseconds, outcome.RequestId);
                break;
            case CopyStatus.VerificationFailed:
                CoreLog.VerificationFailed(_logger, outcome.SourceBucket, outcome.SourceKey, outcome.Bucket, outcome.Key, outcome.VerificationErrors);
                break;
            case CopyStatus.SourceChanged:
                CoreLog.SourceChanged(_logger, outcome.SourceBucket, outcome.SourceKey, outcome.SourceETag);
                break;
            case CopyStatus.Restoring or CopyStatus.Skipped:
                // Logged where it was decided (ArchivedSources), with the storage class and restore state.
                break;
            default:
                CoreLog.Failed(_logger, outcome.SourceBucket, outcome.SourceKey, outcome.Bucket, outcome.Key, outcome.Error?.Code ?? "Unknown", outcome.Error?.StatusCode ?? 0, outcome.Error?.RequestId);
                break;
        }

        return outcome;
    }

    /// <summary>The copy of a valid request, one async frame from the first request to the outcome (a frame per object less than a wrapper).</summary>
    private async Task<CopyOutcome> CopyValidatedAsync(CopyContext context, CancellationToken cancellationToken)
    {
        var request = context.Request;
        try
        {
            if (_options.CheckSameRegion && context.SourceBucket != request.Bucket)
            {
                var refusal = await CheckSameRegionAsync(context, cancellationToken);
                if (refusal is not null)
                {
                    return Finish(refusal);
                }
            }

            if (!ArchivedSources.MustHead(request) && CanSkipSourceHead(request) is { } listed)
            {
                // What the listing said is all a single, ETag-verified copy needs; the pin makes OSS check it is still true.
                context.Source = listed;
                context.PinnedETag = listed.ETag;
            }
            else
            {
                var head = await _client.HeadObjectAsync(
                    new HeadObjectRequest { Bucket = context.SourceBucket, Key = request.SourceKey, VersionId = request.SourceVersionId }, cancellationToken);
                context.Source = head.Properties;
                context.SourceHeaded = true;
                context.PinnedETag = request.ExpectedSourceETag ?? head.Properties.ETag;
                if (request.ExpectedSourceETag is { } expected && !ETags.Equal(expected, head.Properties.ETag))
                {
                    // The caller listed one version and the source now holds another: copying it would copy what nobody decided to copy.
                    return Finish(context.Outcome(CopyStatus.SourceChanged, new CopyError(0, OssErrorCodes.PreconditionFailed,
                        $"The source's ETag is {head.Properties.ETag}, not the expected {expected}.", head.RequestId, null)));
                }

                if (await ArchivedSources.CheckAsync(_client, _logger, context, head, cancellationToken) is { } archived)
                {
                    return Finish(archived);
                }
            }

            var multipart = context.Source.ContentLength >= _options.MultipartThreshold;
            CoreLog.Planned(_logger, context.SourceBucket, request.SourceKey, request.Bucket, request.Key, context.Source.ContentLength, context.PinnedETag,
                multipart ? CopyStrategy.Multipart : CopyStrategy.SingleCopy);

            var tagError = await ResolveTagsAsync(context, multipart, cancellationToken);
            if (tagError is not null)
            {
                return Finish(context.Outcome(CopyStatus.Failed, tagError));
            }

            context.Destination = DestinationDescriptionBuilder.Build(request, context.Source, context.ExpectedTags,
                multipart ? CopyStrategy.Multipart : CopyStrategy.SingleCopy, context.PinnedETag);

            // The single copy is awaited here rather than in a method of its own: one async frame (and its box) less per object.
            CopiedObject copied;
            try
            {
                copied = multipart
                    ? await MultipartCopyAsync(context, cancellationToken)
                    : Copied(await _client.CopyObjectAsync(SingleCopyRequest(context), cancellationToken));
            }
            catch (OssException ex) when (ex.ErrorCode == OssRestore.InvalidObjectState && ArchivedSources.Handles(request))
            {
                // Frozen after all (the listing said another class, or the restore expired since the HEAD): skip or restore as asked.
                return Finish(await ArchivedSources.OnFrozenAsync(_client, _logger, context, cancellationToken));
            }

            return Finish(await CopyVerifier.VerifyAsync(_client, _options.Verification, context, copied, cancellationToken));
        }
        catch (OssException ex) when (ex.StatusCode == 412 || ex.ErrorCode == OssErrorCodes.PreconditionFailed)
        {
            CoreLog.SourceChanged(_logger, context.SourceBucket, request.SourceKey, context.PinnedETag);
            return context.Outcome(CopyStatus.SourceChanged, CopyError.From(ex));
        }
        catch (OssException ex)
        {
            CoreLog.Failed(_logger, context.SourceBucket, request.SourceKey, request.Bucket, request.Key, ex.ErrorCode, ex.StatusCode, ex.RequestId);
            return context.Outcome(CopyStatus.Failed, CopyError.From(ex));
        }
        catch (ArgumentException ex)
        {
            // The request was valid, but what the source holds is not (metadata OSS once accepted that the client's
            // rules now refuse, on a multipart copy that must re-send it): this object fails, not the caller.
            CoreLog.Failed(_logger, context.SourceBucket, request.SourceKey, request.Bucket, request.Key, CopyErrorCodes.InvalidSource, 0, null);
            return context.Outcome(CopyStatus.Failed, new CopyError(0, CopyErrorCodes.InvalidSource, ex.Message, null, null));
        }
    }

    /// <summary>
    /// The source as listed, when that is enough: ETag verification, a listed ETag and size below the multipart
    /// threshold, and no directive that needs the source's tags or metadata.
    /// </summary>
    private OssObjectProperties? CanSkipSourceHead(CopyRequest request) =>
        _options.Verification == CopyVerification.ETag
        && request.ExpectedSourceETag is { } etag
        && request.KnownSourceSize is { } size
        && size < _options.MultipartThreshold
        && CopyRequestValidator.NormalizedTaggingDirective(request) != CopyTaggingDirective.Merge
            ? new OssObjectProperties { ContentLength = size, ETag = etag, VersionId = request.SourceVersionId }
            : null;

    private async Task<CopyOutcome?> CheckSameRegionAsync(CopyContext context, CancellationToken cancellationToken)
    {
        var sourceRegion = await _regions.GetRegionAsync(context.SourceBucket, cancellationToken);
        var destinationRegion = await _regions.GetRegionAsync(context.Request.Bucket, cancellationToken);
        if (sourceRegion is null || destinationRegion is null || sourceRegion == destinationRegion)
        {
            return null;
        }

        return context.Outcome(CopyStatus.Failed, new CopyError(0, CopyErrorCodes.CrossRegionCopy,
            $"Bucket {context.SourceBucket} is in {sourceRegion} and bucket {context.Request.Bucket} in {destinationRegion}: OSS copies only within a region.",
            null, null));
    }

    /// <summary>
    /// Works out the tags the destination must get. The source's tags are read only when needed: a Merge, a
    /// multipart copy under Copy (OSS does not carry tags through parts), or a full verification of a Copy.
    /// </summary>
    private async Task<CopyError?> ResolveTagsAsync(CopyContext context, bool multipart, CancellationToken cancellationToken)
    {
        var directive = context.TaggingDirective;
        var needSourceTags = directive == CopyTaggingDirective.Merge
                             || (directive == CopyTaggingDirective.Copy && (multipart || _options.Verification == CopyVerification.Full));
        if (needSourceTags && context.Source!.TaggingCount > 0)
        {
            var tags = await _client.GetObjectTaggingAsync(
                new GetObjectTaggingRequest { Bucket = context.SourceBucket, Key = context.Request.SourceKey, VersionId = context.Request.SourceVersionId },
                cancellationToken);
            context.SourceTags = tags.Tags;
        }
        else if (needSourceTags)
        {
            context.SourceTags = OssTagging.Empty;
        }

        try
        {
            context.ExpectedTags = directive switch
            {
                CopyTaggingDirective.Replace => OssTagging.Parse(context.Request.Tagging, nameof(CopyRequest.Tagging)),
                CopyTaggingDirective.Merge => Merge(context.SourceTags!, OssTagging.Parse(context.Request.Tagging, nameof(CopyRequest.Tagging))),
                _ => context.SourceTags,
            };
        }
        catch (ArgumentException ex)
        {
            return new CopyError(0, CopyErrorCodes.InvalidTagging, $"The merged tag set breaks an OSS rule: {ex.Message}", null, null);
        }

        return null;
    }

    private static OssTagging Merge(OssTagging source, OssTagging added)
    {
        var merged = source.Tags.Where(t => added[t.Key] is null).ToList();
        merged.AddRange(added.Tags);
        return new OssTagging(merged, nameof(CopyRequest.Tagging));
    }

    /// <summary>
    /// The one CopyObject of a single copy, pinned to the source's ETag. Under REPLACE it states every standard header
    /// and the metadata of the description (Content-Type too, so the source's is kept whatever the server's default);
    /// under COPY OSS carries them over itself. Client-side-encryption metadata is never sent: OSS keeps it.
    /// </summary>
    private static CopyObjectRequest SingleCopyRequest(CopyContext context)
    {
        var request = context.Request;
        var destination = context.Destination!;
        var replaceTags = context.TaggingDirective != CopyTaggingDirective.Copy;
        var replaceMetadata = destination.ReplacesMetadata;
        return new CopyObjectRequest
        {
            Bucket = request.Bucket,
            Key = request.Key,
            SourceBucket = context.SourceBucket,
            SourceKey = request.SourceKey,
            SourceVersionId = request.SourceVersionId,
            ForbidOverwrite = request.ForbidOverwrite == true ? true : null,
            CopySourceIfMatch = context.PinnedETag,
            TaggingDirective = replaceTags ? OssDirective.Replace : request.TaggingDirective is null ? null : OssDirective.Copy,
            Tagging = replaceTags && destination.Tags!.Count > 0 ? destination.Tags.ToString() : null,
            MetadataDirective = request.MetadataDirective is null ? null : destination.MetadataDirective,
            Metadata = replaceMetadata ? destination.MetadataForCopyObject() : null,
            ContentType = replaceMetadata ? destination.ContentType : null,
            CacheControl = replaceMetadata ? destination.CacheControl : null,
            ContentDisposition = replaceMetadata ? destination.ContentDisposition : null,
            ContentEncoding = replaceMetadata ? destination.ContentEncoding : null,
            ContentLanguage = replaceMetadata ? destination.ContentLanguage : null,
            Expires = replaceMetadata ? destination.Expires : null,
            StorageClass = destination.StorageClass,
            ObjectAcl = destination.ObjectAcl,
            ServerSideEncryption = destination.ServerSideEncryption,
            ServerSideDataEncryption = destination.ServerSideDataEncryption,
            ServerSideEncryptionKeyId = destination.ServerSideEncryptionKeyId,
        };
    }

    private static CopiedObject Copied(CopyObjectResult result) => new(CopyStrategy.SingleCopy)
    {
        StatusCode = result.StatusCode,
        RequestId = result.RequestId,
        VersionId = result.VersionId,
        SourceVersionId = result.SourceVersionId,
        HashCrc64 = result.HashCrc64,
        ETag = result.ETag,
        LastModified = result.LastModified,
        Encryption = result.Encryption,
    };

    private async Task<CopiedObject> MultipartCopyAsync(CopyContext context, CancellationToken cancellationToken)
    {
        var request = context.Request;
        var source = context.Source!;
        var size = source.ContentLength;
        var partSize = _options.PartSizeFor(size);
        var partCount = (int)((size + partSize - 1) / partSize);

        var init = await _client.InitiateMultipartUploadAsync(BuildInitiate(context), cancellationToken);
        try
        {
            var parts = new OssUploadedPart[partCount];
            var sourceVersions = new string?[partCount];
            await Parallel.ForEachAsync(
                Enumerable.Range(1, partCount),
                new ParallelOptions { MaxDegreeOfParallelism = _options.PartParallelism, CancellationToken = cancellationToken },
                async (partNumber, ct) =>
                {
                    var first = (partNumber - 1) * partSize;
                    var last = Math.Min(first + partSize, size) - 1;
                    var part = await _client.UploadPartCopyAsync(new UploadPartCopyRequest
                    {
                        Bucket = request.Bucket,
                        Key = request.Key,
                        UploadId = init.UploadId,
                        PartNumber = partNumber,
                        SourceBucket = context.SourceBucket,
                        SourceKey = request.SourceKey,
                        SourceVersionId = request.SourceVersionId,
                        SourceRange = new OssByteRange(first, last),
                        CopySourceIfMatch = context.PinnedETag,
                    }, ct);
                    parts[partNumber - 1] = new OssUploadedPart(partNumber, part.ETag);
                    sourceVersions[partNumber - 1] = part.SourceVersionId;
                });

            var done = await _client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                Bucket = request.Bucket,
                Key = request.Key,
                UploadId = init.UploadId,
                Parts = parts,
                ForbidOverwrite = request.ForbidOverwrite == true ? true : null,
            }, cancellationToken);

            return new CopiedObject(CopyStrategy.Multipart)
            {
                StatusCode = done.StatusCode,
                RequestId = done.RequestId,
                VersionId = done.VersionId,
                SourceVersionId = sourceVersions.FirstOrDefault(v => v is not null),
                HashCrc64 = done.HashCrc64,
                ETag = done.ETag,
                Encryption = EncryptionFrom(done.Headers),
                UploadId = init.UploadId,
                PartCount = partCount,
                PartSize = partSize,
            };
        }
        catch (Exception ex) when (ex is OssException or OperationCanceledException or HttpRequestException or IOException)
        {
            await AbortAsync(request, init.UploadId, ex);
            throw;
        }
    }

    /// <summary>
    /// The Initiate request states the whole description: OSS applies no directive to parts, so everything CopyObject
    /// would have carried over (standard headers, user metadata with the client-side-encryption entries, tags) is
    /// sent explicitly, as the Go copier does for COPY, and under REPLACE too.
    /// </summary>
    private static InitiateMultipartUploadRequest BuildInitiate(CopyContext context)
    {
        var request = context.Request;
        var destination = context.Destination!;
        return new InitiateMultipartUploadRequest
        {
            Bucket = request.Bucket,
            Key = request.Key,
            ContentType = destination.ContentType,
            CacheControl = destination.CacheControl,
            ContentDisposition = destination.ContentDisposition,
            ContentEncoding = destination.ContentEncoding,
            ContentLanguage = destination.ContentLanguage,
            Expires = destination.Expires,
            Metadata = destination.Metadata.Count == 0 ? null : destination.Metadata,
            Tagging = destination.Tags is { Count: > 0 } tags ? tags.ToString() : null,
            ForbidOverwrite = request.ForbidOverwrite == true ? true : null,
            ObjectAcl = destination.ObjectAcl,
            StorageClass = destination.StorageClass,
            ServerSideEncryption = destination.ServerSideEncryption,
            ServerSideDataEncryption = destination.ServerSideDataEncryption,
            ServerSideEncryptionKeyId = destination.ServerSideEncryptionKeyId,
        };
    }

    private async Task AbortAsync(CopyRequest request, string uploadId, Exception cause)
    {
        // Cleanup runs on its own clock: a cancelled copy must still not leave its parts behind (they are billed).
        using var timeout = new CancellationTokenSource(_options.AbortTimeout);
        try
        {
            await _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { Bucket = request.Bucket, Key = request.Key, UploadId = uploadId }, timeout.Token);
            CoreLog.Aborted(_logger, uploadId, request.Bucket, request.Key);
        }
        catch (Exception ex) when (ex is OssException or OperationCanceledException or HttpRequestException or IOException)
        {
            CoreLog.AbortFailed(_logger, uploadId, request.Bucket, request.Key, $"{ex.Message} (after: {cause.Message})");
        }
    }

    private static OssEncryption EncryptionFrom(IReadOnlyDictionary<string, string> headers) => new(
        headers.TryGetValue(OssHeaders.ServerSideEncryption, out var sse) ? sse : null,
        headers.TryGetValue(OssHeaders.ServerSideDataEncryption, out var data) ? data : null,
        headers.TryGetValue(OssHeaders.ServerSideEncryptionKeyId, out var key) ? key : null);
}

/// <summary>Error codes the engine reports itself (no OSS request was refused).</summary>
public static class CopyErrorCodes
{
    /// <summary>Source and destination buckets are in different regions; OSS copies only within one.</summary>
    public const string CrossRegionCopy = "CrossRegionCopy";

    /// <summary>The tag set to write breaks an OSS rule (a Merge with more than 10 tags, say).</summary>
    public const string InvalidTagging = "InvalidTagging";

    /// <summary>The source's own headers or metadata cannot be re-sent as they are (a multipart copy re-applies them).</summary>
    public const string InvalidSource = "InvalidSource";

    /// <summary>The copy was made but did not verify.</summary>
    public const string VerificationFailed = "VerificationFailed";
}
