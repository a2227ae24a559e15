using System.Xml;
using LocalOss.Http;

namespace LocalOss.Operations;

/// <summary>Object tags: the <c>x-oss-tagging</c> header form, the XML form, and OSS's limits.</summary>
internal static class Tagging
{
    public const int MaxTags = 10;
    public const int MaxKeyLength = 128;
    public const int MaxValueLength = 256;

    /// <summary><c>k1=v1&amp;k2=v2</c>, each side URL-encoded; a bare <c>k</c> is an empty value; <c>a=b=c</c> is invalid.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> ParseHeader(string header)
    {
        var tags = new List<KeyValuePair<string, string>>();
        if (header.Length == 0)
        {
            return tags;
        }

        foreach (var item in header.Split('&'))
        {
            var parts = item.Split('=');
            if (parts.Length > 2 || parts[0].Length == 0)
            {
                throw Errors.InvalidTag("The tagging header is not in the form key1=value1&key2=value2.", "0010-00000219");
            }

            var key = OssRequest.PercentDecode(parts[0]);
            var value = parts.Length == 2 ? OssRequest.PercentDecode(parts[1]) : "";
            if (key is null || value is null)
            {
                throw Errors.InvalidTag("The tagging header is not valid UTF-8.", "0010-00000217");
            }

            tags.Add(new(key, value));
        }

        Validate(tags);
        return tags;
    }

    public static IReadOnlyList<KeyValuePair<string, string>> ParseXml(XmlDocument document)
    {
        var root = XmlIn.Root(document, "Tagging");
        var tags = new List<KeyValuePair<string, string>>();
        foreach (var set in XmlIn.Children(root, "TagSet"))
        {
            foreach (var tag in XmlIn.Children(set, "Tag"))
            {
                var key = XmlIn.Child(tag, "Key") ?? throw Errors.MalformedXml();
                tags.Add(new(key, XmlIn.Child(tag, "Value") ?? ""));
            }
        }

        Validate(tags);
        return tags;
    }

    public static void Validate(IReadOnlyList<KeyValuePair<string, string>> tags)
    {
        if (tags.Count > MaxTags)
        {
            throw Errors.InvalidTag($"Object tags cannot be greater than {MaxTags}.", "0010-00000215");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in tags)
        {
            if (key.Length == 0 || key.Length > MaxKeyLength)
            {
                throw Errors.InvalidTag($"The tag key must be 1 to {MaxKeyLength} characters long.", "0010-00000209");
            }

            if (value.Length > MaxValueLength)
            {
                throw Errors.InvalidTag($"The tag value cannot be longer than {MaxValueLength} characters.", "0010-00000210");
            }

            if (!AllowedText(key) || !AllowedText(value))
            {
                throw Errors.InvalidTag("Tags may contain letters, digits, spaces and + - = . _ : / only.", "0010-00000216");
            }

            if (!seen.Add(key))
            {
                throw Errors.InvalidTag("Tag keys must be unique.", "0010-00000218");
            }
        }
    }

    public static XmlOut Write(IReadOnlyList<KeyValuePair<string, string>> tags)
    {
        var xml = new XmlOut().Open("Tagging").Open("TagSet");
        foreach (var (key, value) in tags)
        {
            xml.Open("Tag").Element("Key", key).Element("Value", value).Close("Tag");
        }

        return xml.Close("TagSet").Close("Tagging");
    }

    private static bool AllowedText(string text)
    {
        foreach (var c in text)
        {
            if (!char.IsLetterOrDigit(c) && c is not (' ' or '+' or '-' or '=' or '.' or '_' or ':' or '/'))
            {
                return false;
            }
        }

        return true;
    }
}
