using System.ComponentModel.DataAnnotations;

namespace OssCopy.Oss;

/// <summary>Validates <see cref="OssClientOptions"/> outside the options pipeline (clients built without DI).</summary>
internal static class OssClientOptionsValidation
{
    public static void ThrowIfInvalid(OssClientOptions options)
    {
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
        {
            var first = results[0];
            throw new ArgumentException(first.ErrorMessage, first.MemberNames.FirstOrDefault() ?? nameof(options));
        }
    }
}
