using System.Text;

namespace OssCopy.Oss;

/// <summary>
/// Input rules checked before any HTTP call, each failure an <see cref="ArgumentException"/> naming the parameter,
/// so a bad request never costs a round trip and never reaches OSS half-formed.
/// </summary>
public static class OssValidation
{
    public const int MaxKeyBytes = 1023;
    public const int MaxTags = 10;
    public const int MaxTagKeyLength = 128;
    public const int MaxTagValueLength = 256;

    /// <summary>3–63 characters of lower-case letters, digits and <c>-</c>, not starting or ending with <c>-</c>.</summary>
    public static bool IsValidBucketName(string? name)
    {
        if (name is null || name.Length is < 3 or > 63 || name[0] == '-' || name[^1] == '-')
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    public static void BucketName(string? name, string paramName)
    {
        if (!IsValidBucketName(name))
        {
            throw new ArgumentException(
                $"'{name}' is not a valid bucket name: 3-63 characters of lower-case letters, digits and '-', not starting or ending with '-'.",
                paramName);
        }
    }

    /// <summary>A key is 1 to 1023 bytes of UTF-8 (OSS counts bytes, not characters).</summary>
    public static void ObjectKey(string? key, string paramName)
    {
        if (string.IsNullOrEmpty(key))
        {
            throw new ArgumentException("The object key must not be empty.", paramName);
        }

        var bytes = Encoding.UTF8.GetByteCount(key);
        if (bytes > MaxKeyBytes)
        {
            throw new ArgumentException($"The object key is {bytes} bytes of UTF-8; OSS allows at most {MaxKeyBytes}.", paramName);
        }
    }

    public static string? OneOf(string? value, IReadOnlyList<string> allowed, string paramName)
    {
        if (value is null)
        {
            return null;
        }

        foreach (var candidate in allowed)
        {
            if (candidate.Equals(value, StringComparison.OrdinalIgnoreCase))
            {
                return candidate;
            }
        }

        throw new ArgumentException($"'{value}' is not one of {string.Join(", ", allowed)}.", paramName);
    }

    public static void PartNumber(int partNumber, string paramName)
    {
        if (partNumber is < 1 or > 10_000)
        {
            throw new ArgumentOutOfRangeException(paramName, partNumber, "A part number is between 1 and 10000.");
        }
    }

    public static void NotEmpty(string? value, string paramName)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw new ArgumentException("The value must not be empty.", paramName);
        }
    }
}
