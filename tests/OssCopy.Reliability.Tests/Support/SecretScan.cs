using System.Collections.Concurrent;
namespace OssCopy.Reliability.Tests.Support;

/// <summary>
/// The configured secrets of the suite and everything written during it (log lines, CLI output, reports): each test
/// hands what it produced to <c>AssertClean</c>, which also keeps it for the suite-wide count.
/// </summary>
internal static class SecretScan
{
    /// <summary>
    /// The account every LocalOss of the suite is configured with. Not LocalOss's development key: that one is public
    /// by design and LocalOss prints it on start (as Azurite prints its well-known key); a configured secret never is.
    /// </summary>
    public const string AccessKeyId = "LTAI5tReliabilitySuite";

    public const string AccessKeySecret = "Reliability-Secret-3f7a9c1e5b2d-NotForProduction";

    /// <summary>A security token the STS-style account of the security tests carries.</summary>
    public const string SecurityToken = "CAIS-reliability-token-0f9e8d7c6b5a-NotForProduction";

    /// <summary>Azurite's well-known account key (what <c>AzureWebJobsStorage</c> carries in the distributed tests).</summary>
    public const string StorageAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static readonly ConcurrentDictionary<string, long> Scanned = new();

    public static IReadOnlyList<string> Secrets { get; } = [AccessKeySecret, SecurityToken, StorageAccountKey];

    /// <summary>Characters scanned so far, by source (the closing figures).</summary>
    public static IReadOnlyDictionary<string, long> Totals => Scanned;

    public static void AssertClean(string source, IEnumerable<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        long characters = 0;
        foreach (var text in texts)
        {
            characters += text.Length;
            foreach (var secret in Secrets)
            {
                Assert.False(text.Contains(secret, StringComparison.Ordinal), $"{source} holds a configured secret: {Redact(text)}");
            }
        }

        Scanned.AddOrUpdate(source, characters, (_, n) => n + characters);
    }

    public static void AssertClean(string source, params string[] texts) => AssertClean(source, (IEnumerable<string>)texts);

    private static string Redact(string text)
    {
        foreach (var secret in Secrets)
        {
            text = text.Replace(secret, "<secret>", StringComparison.Ordinal);
        }

        return text.Length > 2000 ? text[..2000] : text;
    }
}
