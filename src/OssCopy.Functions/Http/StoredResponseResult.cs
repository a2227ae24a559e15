using Microsoft.AspNetCore.Mvc;
using OssCopy.Functions.Copy;

namespace OssCopy.Functions.Http;

/// <summary>An answer replayed as it was first sent (an Idempotency-Key repeat), or sent from bytes already made.</summary>
public sealed class StoredResponseResult : IActionResult
{
    public StoredResponseResult(StoredResponse response, bool replayed)
    {
        Response = response ?? throw new ArgumentNullException(nameof(response));
        Replayed = replayed;
    }

    public StoredResponse Response { get; }

    public bool Replayed { get; }

    public int StatusCode => Response.StatusCode;

    /// <summary>Headers added to the response (a queued copy's status).</summary>
    public IDictionary<string, string> Headers { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    public async Task ExecuteResultAsync(ActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var http = context.HttpContext.Response;
        http.StatusCode = Response.StatusCode;
        http.ContentType = Response.ContentType;
        if (Response.Location is { } location)
        {
            http.Headers.Location = location;
        }

        foreach (var (name, value) in Headers)
        {
            http.Headers[name] = value;
        }

        if (Replayed)
        {
            http.Headers["Idempotent-Replayed"] = "true";
        }

        await http.Body.WriteAsync(Response.Body, context.HttpContext.RequestAborted);
    }

    public static StoredResponse Store(JsonBodyResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var body = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(result.Body, result.Body?.GetType() ?? typeof(object), FunctionsJson.Options);
        return new StoredResponse(result.StatusCode, result.ContentType + "; charset=utf-8", body,
            result.Headers.TryGetValue("Location", out var location) ? location : null);
    }
}
