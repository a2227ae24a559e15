using System.ComponentModel.DataAnnotations;

namespace OssCopy.Functions.Copy;

/// <summary>
/// When a webhook copy is answered 202 and finished through the queue. Bound from the <c>Webhook</c> section (beside
/// <see cref="Configuration.WebhookOptions"/>) and validated at start.
/// </summary>
public sealed class AsyncCopyOptions : IValidatableObject
{
    public const string SectionName = "Webhook";

    /// <summary>
    /// A copy still running after this long is answered 202 (it finishes in the background and records its outcome).
    /// Azure cuts an HTTP response at 230 s; the default leaves the client a quick answer well before that.
    /// </summary>
    public TimeSpan AsyncAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a running copy holds its id: a delivery that finds the copy running within its lease waits; after it,
    /// the holder is taken to have died (the worker stopped) and the delivery takes the copy over. Longer than the
    /// host's <c>functionTimeout</c>, so a live copy is never taken over.
    /// </summary>
    public TimeSpan CopyLease { get; set; } = TimeSpan.FromMinutes(15);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (AsyncAfter < TimeSpan.Zero || AsyncAfter > TimeSpan.FromSeconds(200))
        {
            yield return new ValidationResult($"{SectionName}:{nameof(AsyncAfter)} must be between 0 and 200 seconds (Azure cuts a response at 230 s), not {AsyncAfter}.", [nameof(AsyncAfter)]);
        }

        if (CopyLease < TimeSpan.FromMinutes(1) || CopyLease > TimeSpan.FromDays(1))
        {
            yield return new ValidationResult($"{SectionName}:{nameof(CopyLease)} must be between 1 minute and 1 day, not {CopyLease}.", [nameof(CopyLease)]);
        }
    }
}
