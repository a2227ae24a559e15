using System.Text;

namespace LocalOss.Storage;

/// <summary>OSS naming rules for buckets and object keys.</summary>
internal static class Names
{
    public const int MaxKeyBytes = 1023;

    /// <summary>3–63 characters of a–z, 0–9 and '-', not starting or ending with '-'.</summary>
    public static bool IsValidBucketName(string? name)
    {
        if (name is null || name.Length is < 3 or > 63 || name[0] == '-' || name[^1] == '-')
        {
            return false;
        }

        foreach (var c in name)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            {
                return false;
            }
        }

        return true;
    }

    public static int KeyByteCount(string key) => Encoding.UTF8.GetByteCount(key);
}
