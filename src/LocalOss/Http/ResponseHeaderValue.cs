namespace LocalOss.Http;

/// <summary>
/// Values a client sends through a query or a form field and LocalOss later writes as a response header. Kestrel refuses
/// control characters in a header value (it would split the header), and by then the answer can only be a 500; OSS
/// refuses them up front with a 400, so LocalOss checks when the value arrives.
/// </summary>
internal static class ResponseHeaderValue
{
    /// <summary>The value, or an InvalidArgument naming <paramref name="name"/> if it holds a control character other than a tab.</summary>
    public static string Checked(string name, string value)
    {
        foreach (var c in value)
        {
            if (c < ' ' && c != '\t' || c == '\u007f')
            {
                throw Errors.InvalidArgument($"The value of {name} holds a control character.", name, value);
            }
        }

        return value;
    }
}
