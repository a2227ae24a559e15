using System.ComponentModel.DataAnnotations;

namespace OssCopy.Functions.Configuration;

/// <summary>Limits of the copy webhook (<c>POST /api/copy</c>). Bound from <c>Webhook</c> and validated at start.</summary>
public sealed class WebhookOptions : IValidatableObject
{
    public const string SectionName = "Webhook";

    /// <summary>The largest request body read; a larger one is refused with 413 before it is buffered.</summary>
    public int MaxBodyBytes { get; set; } = 64 * 1024;

    /// <summary>How long a finished copy is remembered under its <c>Idempotency-Key</c>.</summary>
    public TimeSpan IdempotencyRetention { get; set; } = TimeSpan.FromHours(24);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxBodyBytes is < 1024 or > 1024 * 1024)
        {
            yield return new ValidationResult($"{SectionName}:{nameof(MaxBodyBytes)} must be between 1024 and 1048576 bytes, not {MaxBodyBytes}.", [nameof(MaxBodyBytes)]);
        }

        if (IdempotencyRetention < TimeSpan.FromMinutes(1) || IdempotencyRetention > TimeSpan.FromDays(30))
        {
            yield return new ValidationResult($"{SectionName}:{nameof(IdempotencyRetention)} must be between 1 minute and 30 days.", [nameof(IdempotencyRetention)]);
        }
    }
}
