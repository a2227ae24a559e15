using System.Diagnostics;
using System.Globalization;
using OssCopy.Oss;
using OssCopy.Oss.Models;

namespace OssCopy.Core.Copying;

/// <summary>
/// Checks a finished copy against the source and the directives: size and CRC-64 always; with
/// <see cref="CopyVerification.Full"/> also the destination's metadata, standard headers, storage class,
/// encryption and tag set. Each mismatch is one message naming what differs.
/// </summary>
internal static class CopyVerifier
{
    /// <remarks>A ValueTask: an ETag-verified single copy is decided without a request, and then nothing is allocated to say so.</remarks>
    public static async ValueTask<CopyOutcome> VerifyAsync(
        IOssClient client, CopyVerification level, CopyContext context, CopiedObject copied, CancellationToken cancellationToken)
    {
        if (level == CopyVerification.ETag)
        {
            if (copied.Strategy == CopyStrategy.SingleCopy && ETags.Equal(copied.ETag, context.PinnedETag))
            {
                return Result(context, copied, null, null);
            }

            if (!context.SourceHeaded)
            {
                // The answer does not prove the copy by ETag: learn the source's CRC-64 and check the content instead.
                var head = await client.HeadObjectAsync(
                    new HeadObjectRequest { Bucket = context.SourceBucket, Key = context.Request.SourceKey, VersionId = context.Request.SourceVersionId }, cancellationToken);
                if (!ETags.Equal(head.Properties.ETag, context.PinnedETag))
                {
                    return Result(context, copied, null, [$"ETag: the copy answer has {copied.ETag}, and the source changed since (now {head.Properties.ETag}); the copy cannot be verified"]);
                }

                context.Source = head.Properties;
                context.SourceHeaded = true;
            }

            level = CopyVerification.Crc;
        }

        var source = context.Source!;
        var errors = new List<string>();
        if (source.HashCrc64 is { } sourceCrc && copied.HashCrc64 is { } answerCrc && sourceCrc != answerCrc)
        {
            errors.Add($"CRC-64: source {sourceCrc}, copy answer {answerCrc}");
        }

        OssObjectProperties? destination = null;
        if (level == CopyVerification.Full || copied.HashCrc64 is null)
        {
            // Read the version this copy wrote, not whatever a concurrent writer may have put there since.
            var head = await client.HeadObjectAsync(
                new HeadObjectRequest { Bucket = context.Request.Bucket, Key = context.Request.Key, VersionId = copied.VersionId }, cancellationToken);
            destination = head.Properties;
            CompareContent(source, destination, errors);
        }

        if (level == CopyVerification.Full && destination is not null)
        {
            // The same description the copy requests were made from: what was asked is what is checked.
            var expected = context.Destination!;
            CompareMetadata(expected, destination, errors);
            CompareHeaders(expected, destination, errors);
            CompareClassAndEncryption(expected, destination, errors);
            await CompareTagsAsync(client, context, expected, copied, destination, errors, cancellationToken);
        }

        return Result(context, copied, destination, errors);
    }

    /// <summary>
    /// The outcome, made once with every field (not <see cref="CopyContext.Outcome"/> copied by <c>with</c>): this
    /// runs for every object copied, and a copy of the record is some 200 bytes.
    /// </summary>
    private static CopyOutcome Result(CopyContext context, CopiedObject copied, OssObjectProperties? destination, List<string>? errors)
    {
        var source = context.Source!;
        var request = context.Request;
        var failed = errors is { Count: > 0 };
        return new CopyOutcome
        {
            Status = failed ? CopyStatus.VerificationFailed : CopyStatus.Copied,
            Bucket = request.Bucket,
            Key = request.Key,
            SourceBucket = context.SourceBucket,
            SourceKey = request.SourceKey,
            SourceSize = source.ContentLength,
            SourceETag = context.PinnedETag ?? source.ETag,
            SourceHashCrc64 = source.HashCrc64,
            Error = failed ? new CopyError(0, CopyErrorCodes.VerificationFailed, string.Join("; ", errors!), copied.RequestId, null) : null,
            Strategy = copied.Strategy,
            Verified = !failed,
            VerificationErrors = errors ?? (IReadOnlyList<string>)[],
            StatusCode = copied.StatusCode,
            RequestId = copied.RequestId,
            VersionId = copied.VersionId,
            SourceVersionId = copied.SourceVersionId ?? source.VersionId,
            HashCrc64 = copied.HashCrc64 ?? destination?.HashCrc64,
            ETag = copied.ETag ?? destination?.ETag,
            LastModified = copied.LastModified ?? destination?.LastModified,
            ServerSideEncryption = copied.Encryption.ServerSideEncryption ?? destination?.Encryption.ServerSideEncryption,
            ServerSideDataEncryption = copied.Encryption.ServerSideDataEncryption ?? destination?.Encryption.ServerSideDataEncryption,
            ServerSideEncryptionKeyId = copied.Encryption.KeyId ?? destination?.Encryption.KeyId,
            UploadId = copied.UploadId,
            PartCount = copied.PartCount,
            PartSize = copied.PartSize,
            Duration = Stopwatch.GetElapsedTime(context.Started),
        };
    }

    private static void CompareContent(OssObjectProperties source, OssObjectProperties destination, List<string> errors)
    {
        if (source.ContentLength != destination.ContentLength)
        {
            errors.Add($"size: source {source.ContentLength} bytes, destination {destination.ContentLength} bytes");
        }

        if (source.HashCrc64 is { } s && destination.HashCrc64 is { } d && s != d)
        {
            errors.Add($"CRC-64: source {s}, destination {d}");
        }
        else if (source.HashCrc64 is not null && destination.HashCrc64 is null)
        {
            errors.Add("CRC-64: the destination reports none");
        }
    }

    private static void CompareMetadata(DestinationDescription expected, OssObjectProperties destination, List<string> errors)
    {
        var actual = destination.Metadata;
        foreach (var (name, value) in expected.Metadata)
        {
            if (!actual.TryGetValue(name, out var got))
            {
                errors.Add($"metadata '{name}': expected '{value}', missing on the destination");
            }
            else if (got != value)
            {
                errors.Add($"metadata '{name}': expected '{value}', destination has '{got}'");
            }
        }

        foreach (var name in actual.Keys.Where(n => !expected.Metadata.ContainsKey(n)).Order(StringComparer.Ordinal))
        {
            errors.Add($"metadata '{name}': not expected, destination has '{actual[name]}'");
        }
    }

    private static void CompareHeaders(DestinationDescription expected, OssObjectProperties destination, List<string> errors)
    {
        // Content-Type is unknown only when the source was not HEADed and the request named none; OSS then chose.
        if (expected.ContentType is not null)
        {
            Compare(errors, "Content-Type", expected.ContentType, destination.ContentType);
        }

        // The others are exact both ways: a header the description leaves out must be absent, or a REPLACE did not replace it.
        Compare(errors, "Cache-Control", expected.CacheControl, destination.CacheControl);
        Compare(errors, "Content-Disposition", expected.ContentDisposition, destination.ContentDisposition);
        Compare(errors, "Content-Encoding", expected.ContentEncoding, destination.ContentEncoding);
        Compare(errors, "Content-Language", expected.ContentLanguage, destination.ContentLanguage);
        if (expected.Expires is null ? destination.Expires is not null : !SameTime(expected.Expires, destination.Expires))
        {
            errors.Add($"Expires: expected {Quoted(expected.Expires)}, destination has {Quoted(destination.Expires)}");
        }

        static void Compare(List<string> errors, string name, string? expected, string? actual)
        {
            if (!string.Equals(expected, actual, StringComparison.Ordinal))
            {
                errors.Add($"{name}: expected {Quoted(expected)}, destination has {Quoted(actual)}");
            }
        }

        static string Quoted(string? value) => value is null ? "none" : $"'{value}'";
    }

    private static bool SameTime(string expected, string? actual)
    {
        if (actual is null)
        {
            return false;
        }

        const DateTimeStyles styles = DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal;
        return DateTimeOffset.TryParse(expected, CultureInfo.InvariantCulture, styles, out var e)
               && DateTimeOffset.TryParse(actual, CultureInfo.InvariantCulture, styles, out var a)
            ? e == a
            : string.Equals(expected, actual, StringComparison.Ordinal);
    }

    private static void CompareClassAndEncryption(DestinationDescription expected, OssObjectProperties destination, List<string> errors)
    {
        if (expected.StorageClass is { } storageClass && !storageClass.Equals(destination.StorageClass, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"storage class: expected {storageClass}, destination has {destination.StorageClass ?? "(none)"}");
        }

        if (expected.ServerSideEncryption is { } sse && !sse.Equals(destination.Encryption.ServerSideEncryption, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"server-side encryption: expected {sse}, destination has {destination.Encryption.ServerSideEncryption ?? "(none)"}");
        }

        if (expected.ServerSideEncryptionKeyId is { } keyId && keyId != destination.Encryption.KeyId)
        {
            errors.Add($"KMS key id: expected {keyId}, destination has {destination.Encryption.KeyId ?? "(none)"}");
        }
    }

    private static async Task CompareTagsAsync(IOssClient client, CopyContext context, DestinationDescription description, CopiedObject copied,
        OssObjectProperties destination, List<string> errors, CancellationToken cancellationToken)
    {
        if (description.Tags is not { } expected)
        {
            return;
        }

        if (expected.Count == 0 && destination.TaggingCount == 0)
        {
            return;
        }

        if (destination.TaggingCount != expected.Count)
        {
            errors.Add($"tags: expected {expected.Count} ({Describe(expected)}), destination has {destination.TaggingCount}");
            return;
        }

        var actual = await client.GetObjectTaggingAsync(
            new GetObjectTaggingRequest { Bucket = context.Request.Bucket, Key = context.Request.Key, VersionId = copied.VersionId }, cancellationToken);
        if (!actual.Tags.Equals(expected))
        {
            errors.Add($"tags: expected {Describe(expected)}, destination has {Describe(actual.Tags)}");
        }
    }

    private static string Describe(OssTagging tags) => tags.Count == 0 ? "none" : tags.ToString();
}
