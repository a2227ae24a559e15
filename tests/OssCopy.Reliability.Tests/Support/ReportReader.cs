using System.Text.Json;
using OssCopy.Core.Backup;

namespace OssCopy.Reliability.Tests.Support;

/// <summary>A report in the CLI's JSON shape: its totals and objects, and the text itself for the secret scan.</summary>
internal sealed record ReportFile(ReportTotals Totals, IReadOnlyList<ReportEntry> Objects, string Text)
{
    public static ReportFile Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        return new ReportFile(
            root.GetProperty("totals").Deserialize<ReportTotals>(ReportJson.Options)!,
            root.GetProperty("objects").Deserialize<List<ReportEntry>>(ReportJson.Options)!,
            json);
    }

    public static async Task<ReportFile> ReadAsync(string path) => Parse(await File.ReadAllTextAsync(path));

    /// <summary>
    /// The report accounts for every object of <paramref name="keys"/> exactly once, and each is copied and verified,
    /// unchanged, or failed with an error code (and the request id when OSS answered).
    /// </summary>
    public void AssertAccountsFor(IEnumerable<string> keys)
    {
        var expected = keys.Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, Objects.Select(o => o.Key).Order(StringComparer.Ordinal));
        Assert.All(Objects, o =>
        {
            switch (o.Action)
            {
                case ReportAction.Copied:
                    Assert.True(o.Verified == true, $"{o.Key} copied but not verified");
                    break;
                case ReportAction.Unchanged:
                    break;
                case ReportAction.Failed:
                    Assert.False(string.IsNullOrEmpty(o.ErrorCode), $"{o.Key} failed without an error code: {o.ErrorMessage}");
                    Assert.True(o.StatusCode is null || !string.IsNullOrEmpty(o.RequestId), $"{o.Key} failed with HTTP {o.StatusCode} but no request id");
                    break;
                default:
                    Assert.Fail($"{o.Key}: unexpected action {o.Action}");
                    break;
            }
        });
        Assert.Equal(Totals.Copied, Objects.Count(o => o.Action == ReportAction.Copied));
        Assert.Equal(Totals.Failed, Objects.Count(o => o.Action == ReportAction.Failed));
        Assert.Equal(Totals.Unchanged, Objects.Count(o => o.Action == ReportAction.Unchanged));
    }
}
