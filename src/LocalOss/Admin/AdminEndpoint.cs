using System.Net;
using System.Text.Json;
using LocalOss.Faults;

namespace LocalOss.Admin;

/// <summary>
/// <c>/_localoss/…</c>: counters and fault rules for tests that drive LocalOss from outside the process.
/// No signature, but loopback callers only. Bucket names cannot contain '_', so the path cannot collide
/// with path-style OSS requests.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>GET /_localoss/health</c></item>
/// <item><c>GET /_localoss/counters</c> → <c>{"total":N,"operations":{"PutObject":1,…},"throttled":T,"throttledCodes":{"TotalQpsLimitExceeded":T,…}}</c>;
/// <c>DELETE</c> resets.</item>
/// <item><c>GET /_localoss/faults</c>; <c>PUT</c> <c>{"seed":7,"rules":[{"operation":"CopyObject","kind":"SlowDown","rate":0.5}]}</c>
/// replaces all rules; <c>POST</c> one rule adds it; <c>DELETE</c> clears.</item>
/// <item><c>GET /_localoss/throttling</c>; <c>PUT</c> <c>{"accountRequestsPerSecond":2000,"accountBurst":2000,"prefixRequestsPerSecond":400,
/// "prefixBurst":400,"prefixLength":8}</c> replaces the rate limits (absent or null = no limit); <c>DELETE</c> lifts them.</item>
/// </list>
/// </remarks>
internal sealed class AdminEndpoint(RequestCounters counters, FaultInjector faults)
{
    public const string Prefix = "/_localoss";

    /// <summary>The rate model the <c>/throttling</c> resource reads and sets.</summary>
    public Throttling.RequestThrottle? Throttle { get; init; }

    public async Task HandleAsync(HttpContext http)
    {
        var response = http.Response;
        var remote = http.Connection.RemoteIpAddress;
        if (remote is not null && !IPAddress.IsLoopback(remote))
        {
            response.StatusCode = 403;
            return;
        }

        var path = http.Request.Path.Value ?? "";
        var method = http.Request.Method;
        try
        {
            switch (path.TrimEnd('/'))
            {
                case Prefix + "/health" when method == "GET":
                    await WriteJsonAsync(http, w => w.WriteString("status", "ok")).ConfigureAwait(false);
                    return;
                case Prefix + "/counters" when method == "GET":
                    await WriteJsonAsync(http, w =>
                    {
                        w.WriteNumber("total", counters.Total);
                        w.WriteStartObject("operations");
                        foreach (var (name, count) in counters.Snapshot())
                        {
                            w.WriteNumber(name, count);
                        }

                        w.WriteEndObject();
                        w.WriteNumber("throttled", counters.Throttled);
                        w.WriteStartObject("throttledCodes");
                        foreach (var (code, count) in counters.ThrottledSnapshot())
                        {
                            w.WriteNumber(code, count);
                        }

                        w.WriteEndObject();
                    }).ConfigureAwait(false);
                    return;
                case Prefix + "/counters" when method == "DELETE":
                case Prefix + "/counters/reset" when method == "POST":
                    counters.Reset();
                    response.StatusCode = 204;
                    return;
                case Prefix + "/faults" when method == "GET":
                    await WriteJsonAsync(http, w =>
                    {
                        w.WriteNumber("seed", faults.Seed);
                        w.WriteStartArray("rules");
                        foreach (var (rule, hits) in faults.Snapshot())
                        {
                            w.WriteStartObject();
                            WriteRule(w, rule);
                            w.WriteNumber("hits", hits);
                            w.WriteEndObject();
                        }

                        w.WriteEndArray();
                    }).ConfigureAwait(false);
                    return;
                case Prefix + "/faults" when method == "PUT":
                {
                    using var doc = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted).ConfigureAwait(false);
                    var seed = doc.RootElement.TryGetProperty("seed", out var s) ? s.GetInt32() : faults.Seed;
                    var rules = doc.RootElement.TryGetProperty("rules", out var list)
                        ? list.EnumerateArray().Select(ParseRule).ToList()
                        : [];
                    faults.Configure(seed, rules);
                    response.StatusCode = 204;
                    return;
                }

                case Prefix + "/faults" when method == "POST":
                {
                    using var doc = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted).ConfigureAwait(false);
                    faults.Add(ParseRule(doc.RootElement));
                    response.StatusCode = 204;
                    return;
                }

                case Prefix + "/throttling" when method == "GET" && Throttle is not null:
                    await WriteJsonAsync(http, w => WriteThrottling(w, Throttle.Options)).ConfigureAwait(false);
                    return;
                case Prefix + "/throttling" when method == "PUT" && Throttle is not null:
                {
                    using var doc = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted).ConfigureAwait(false);
                    Throttle.Configure(ParseThrottling(doc.RootElement));
                    response.StatusCode = 204;
                    return;
                }

                case Prefix + "/throttling" when method == "DELETE" && Throttle is not null:
                    Throttle.Configure(new LocalOssThrottlingOptions());
                    response.StatusCode = 204;
                    return;
                case Prefix + "/faults" when method == "DELETE":
                    faults.Clear();
                    response.StatusCode = 204;
                    return;
                default:
                    response.StatusCode = 404;
                    return;
            }
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException or FormatException or KeyNotFoundException)
        {
            response.StatusCode = 400;
            await WriteJsonAsync(http, w => w.WriteString("error", ex.Message)).ConfigureAwait(false);
        }
    }

    private static LocalOssFaultRule ParseRule(JsonElement e) => new()
    {
        Operation = e.TryGetProperty("operation", out var op) ? op.GetString() ?? "*" : "*",
        Kind = Enum.Parse<LocalOssFaultKind>(e.GetProperty("kind").GetString() ?? "", ignoreCase: true),
        Rate = e.TryGetProperty("rate", out var rate) ? rate.GetDouble() : 1,
        LatencyMilliseconds = e.TryGetProperty("latencyMilliseconds", out var latency) ? latency.GetInt32() : 0,
        Count = e.TryGetProperty("count", out var count) && count.ValueKind == JsonValueKind.Number ? count.GetInt32() : null,
    };

    private static LocalOssThrottlingOptions ParseThrottling(JsonElement e)
    {
        static JsonElement? Number(JsonElement e, string name) =>
            e.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value : null;

        return new LocalOssThrottlingOptions
        {
            AccountRequestsPerSecond = Number(e, "accountRequestsPerSecond")?.GetDouble(),
            AccountBurst = Number(e, "accountBurst")?.GetInt32(),
            PrefixRequestsPerSecond = Number(e, "prefixRequestsPerSecond")?.GetDouble(),
            PrefixBurst = Number(e, "prefixBurst")?.GetInt32(),
            PrefixLength = Number(e, "prefixLength")?.GetInt32() ?? LocalOssThrottlingOptions.DefaultPrefixLength,
        };
    }

    private static void WriteThrottling(Utf8JsonWriter w, LocalOssThrottlingOptions options)
    {
        static void Write(Utf8JsonWriter w, string name, double? value)
        {
            if (value is { } number)
            {
                w.WriteNumber(name, number);
            }
            else
            {
                w.WriteNull(name);
            }
        }

        Write(w, "accountRequestsPerSecond", options.AccountRequestsPerSecond);
        Write(w, "accountBurst", options.AccountBurst);
        Write(w, "prefixRequestsPerSecond", options.PrefixRequestsPerSecond);
        Write(w, "prefixBurst", options.PrefixBurst);
        w.WriteNumber("prefixLength", options.PrefixLength);
    }

    private static void WriteRule(Utf8JsonWriter w, LocalOssFaultRule rule)
    {
        w.WriteString("operation", rule.Operation);
        w.WriteString("kind", rule.Kind.ToString());
        w.WriteNumber("rate", rule.Rate);
        w.WriteNumber("latencyMilliseconds", rule.LatencyMilliseconds);
        if (rule.Count is { } count)
        {
            w.WriteNumber("count", count);
        }
        else
        {
            w.WriteNull("count");
        }
    }

    private static async Task WriteJsonAsync(HttpContext http, Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        http.Response.ContentType = "application/json";
        http.Response.ContentLength = buffer.Length;
        await http.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), http.RequestAborted).ConfigureAwait(false);
    }
}
