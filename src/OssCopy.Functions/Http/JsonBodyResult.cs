using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace OssCopy.Functions.Http;

/// <summary>
/// A status and a JSON body written straight to the response (no MVC formatters involved), so the same result
/// runs under the Functions host and in a test's <see cref="DefaultHttpContext"/>.
/// </summary>
public class JsonBodyResult : IActionResult
{
    public JsonBodyResult(int statusCode, object? body, string contentType = "application/json")
    {
        StatusCode = statusCode;
        Body = body;
        ContentType = contentType;
    }

    public int StatusCode { get; }

    public object? Body { get; }

    public string ContentType { get; }

    /// <summary>Headers added to the response.</summary>
    public IDictionary<string, string> Headers { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    public async Task ExecuteResultAsync(ActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.HttpContext.Response;
        response.StatusCode = StatusCode;
        foreach (var (name, value) in Headers)
        {
            response.Headers[name] = value;
        }

        if (Body is null)
        {
            return;
        }

        response.ContentType = ContentType + "; charset=utf-8";
        await JsonSerializer.SerializeAsync(response.Body, Body, Body.GetType(), FunctionsJson.Options, context.HttpContext.RequestAborted);
    }
}
