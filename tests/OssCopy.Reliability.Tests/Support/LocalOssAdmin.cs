using System.Net.Http.Json;
using System.Text.Json;

namespace OssCopy.Reliability.Tests.Support;

/// <summary>The <c>/_localoss/</c> admin resources of a LocalOss process: its counters and fault rules.</summary>
internal sealed class LocalOssAdmin(Uri baseAddress) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };

    public async Task<long> CounterAsync(string operation)
    {
        using var counters = JsonDocument.Parse(await _http.GetStringAsync(new Uri("/_localoss/counters", UriKind.Relative)));
        return counters.RootElement.GetProperty("operations").TryGetProperty(operation, out var n) ? n.GetInt64() : 0;
    }

    public async Task ResetCountersAsync() => (await _http.DeleteAsync(new Uri("/_localoss/counters", UriKind.Relative))).EnsureSuccessStatusCode();

    /// <summary>Every <paramref name="operation"/> request waits <paramref name="milliseconds"/> before it runs.</summary>
    public async Task DelayAsync(string operation, int milliseconds)
    {
        using var response = await _http.PutAsJsonAsync(new Uri("/_localoss/faults", UriKind.Relative), new
        {
            seed = 1,
            rules = new[] { new { operation, kind = "Latency", rate = 1.0, latencyMilliseconds = milliseconds } },
        });
        response.EnsureSuccessStatusCode();
    }

    public async Task ClearFaultsAsync() => (await _http.DeleteAsync(new Uri("/_localoss/faults", UriKind.Relative))).EnsureSuccessStatusCode();

    public void Dispose() => _http.Dispose();
}
