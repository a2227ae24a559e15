using System.Globalization;
using OssCopy.Core.Copying;

namespace OssCopy.Cli;

/// <summary>Prints a copy's outcome with the official sample's fields, in its order and spelling, then what the engine did.</summary>
internal static class OutcomePrinter
{
    public static async Task PrintAsync(TextWriter output, TextWriter error, CopyOutcome outcome)
    {
        if (outcome.Status == CopyStatus.Copied)
        {
            await output.WriteLineAsync(SampleLine(outcome));
            await output.WriteLineAsync(
                $"copied oss://{outcome.SourceBucket}/{outcome.SourceKey} -> oss://{outcome.Bucket}/{outcome.Key}: {Describe(outcome)}, " +
                $"{outcome.SourceSize.ToString(CultureInfo.InvariantCulture)} bytes, verified, {outcome.Duration.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)} ms");
            return;
        }

        if (outcome.Status == CopyStatus.VerificationFailed)
        {
            await output.WriteLineAsync(SampleLine(outcome));
            await error.WriteLineAsync($"copied but NOT verified ({Describe(outcome)}): {string.Join("; ", outcome.VerificationErrors)}");
            return;
        }

        if (outcome.Status == CopyStatus.Restoring)
        {
            var how = outcome.RestoreRequested
                ? $"restore requested (HTTP {outcome.StatusCode.ToString(CultureInfo.InvariantCulture)}, request id: {Value(outcome.RequestId)})"
                : $"a restore is already under way (x-oss-restore: {Value(outcome.SourceRestore)})";
            await output.WriteLineAsync(
                $"restoring oss://{outcome.SourceBucket}/{outcome.SourceKey} ({outcome.SourceStorageClass}): {how}; nothing was copied, run the same copy again once it is restored");
            return;
        }

        if (outcome.Status == CopyStatus.Skipped)
        {
            await output.WriteLineAsync(
                $"skipped oss://{outcome.SourceBucket}/{outcome.SourceKey}: {outcome.SkipReason} ({outcome.SourceStorageClass}, not restored); nothing was sent");
            return;
        }

        var what = outcome.Status == CopyStatus.SourceChanged ? "the source changed while it was copied; nothing was copied" : "copy failed";
        await error.WriteLineAsync($"{what}: {outcome.Error}");
    }

    /// <summary>The line the official Python sample prints, field for field (None where OSS sent nothing).</summary>
    public static string SampleLine(CopyOutcome o) =>
        $"status code: {o.StatusCode.ToString(CultureInfo.InvariantCulture)}," +
        $" request id: {Value(o.RequestId)}," +
        $" version id: {Value(o.VersionId)}," +
        $" hash crc64: {Value(o.HashCrc64?.ToString(CultureInfo.InvariantCulture))}," +
        $" source version id: {Value(o.SourceVersionId)}," +
        $" server side encryption: {Value(o.ServerSideEncryption)}," +
        $" server side data encryption: {Value(o.ServerSideDataEncryption)}," +
        $" server side encryption key id: {Value(o.ServerSideEncryptionKeyId)}," +
        $" last modified: {Value(o.LastModified?.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss+00:00", CultureInfo.InvariantCulture))}," +
        $" etag: {Value(o.ETag)},";

    private static string Describe(CopyOutcome o) => o.Strategy == CopyStrategy.Multipart
        ? $"multipart copy of {o.PartCount.ToString(CultureInfo.InvariantCulture)} parts"
        : "single CopyObject";

    private static string Value(string? value) => string.IsNullOrEmpty(value) ? "None" : value;
}
