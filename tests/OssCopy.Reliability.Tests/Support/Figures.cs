using Xunit.Abstractions;

namespace OssCopy.Reliability.Tests.Support;

/// <summary>The measured figures of a test, written where the test runner shows them (and the closing report reads them).</summary>
internal static class Figures
{
    public static void Write(ITestOutputHelper output, string text)
    {
        output.WriteLine(text);
        if (Environment.GetEnvironmentVariable("OSSCOPY_RELIABILITY_FIGURES") is { Length: > 0 } path)
        {
            File.AppendAllText(path, $"{DateTime.UtcNow:HH:mm:ss} {text}{Environment.NewLine}");
        }
    }
}
