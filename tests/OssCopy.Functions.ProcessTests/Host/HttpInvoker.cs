using System.Net.Http.Headers;
using System.Text.Json;
using OssCopy.Functions.ProcessTests.Protocol;

namespace OssCopy.Functions.ProcessTests.Host;

/// <summary>
/// HTTP the way the host proxies it to a worker with the ASP.NET Core integration: the invocation goes over gRPC (the
/// trigger binding an <c>RpcHttp</c> without a body), the request itself goes to the worker's own server
/// (<see cref="FunctionsTestHost.HttpUri"/>) with <c>x-ms-invocation-id</c> naming the invocation, and the answer is
/// read from that HTTP response. The worker pairs the two by that header.
/// </summary>
public sealed class HttpInvoker(FunctionsTestHost host) : IDisposable
{
    public const string InvocationIdHeader = "x-ms-invocation-id";

    private readonly HttpClient _client = new() { Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>POSTs <paramref name="body"/> to function <paramref name="functionName"/> at <paramref name="path"/>.</summary>
    public async Task<HttpInvocationResult> PostAsync(string functionName, string path, byte[] body, string? contentType,
        IReadOnlyDictionary<string, string>? headers = null, CancellationToken cancellationToken = default)
    {
        var function = host.Function(functionName);
        var trigger = TriggerBinding(function, "httpTrigger");
        var invocationId = Guid.NewGuid().ToString();
        var url = new Uri(host.HttpUri, path);

        var rpcHttp = new RpcHttp { Method = "POST", Url = url.ToString() };
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            rpcHttp.Headers[name] = value;
        }

        if (contentType is not null)
        {
            rpcHttp.Headers["Content-Type"] = contentType;
        }

        var invocation = new InvocationRequest { InvocationId = invocationId, FunctionId = function.FunctionId };
        invocation.InputData.Add(new ParameterBinding { Name = trigger, Data = new TypedData { Http = rpcHttp } });
        invocation.TriggerMetadata["Headers"] = new TypedData { Json = JsonSerializer.Serialize(rpcHttp.Headers) };
        invocation.TriggerMetadata["Query"] = new TypedData { Json = "{}" };
        var answered = host.InvokeAsync(invocation, cancellationToken);

        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Headers.Add(InvocationIdHeader, invocationId);
        if (contentType is not null)
        {
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await _client.SendAsync(request, cancellationToken);
        var responseBody = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var invocationResponse = await answered.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        return new HttpInvocationResult((int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), responseBody, invocationResponse);
    }

    public void Dispose() => _client.Dispose();

    /// <summary>The name of the function's trigger binding of <paramref name="type"/> (its parameter name), from the raw bindings.</summary>
    public static string TriggerBinding(RpcFunctionMetadata function, string type)
    {
        ArgumentNullException.ThrowIfNull(function);
        foreach (var raw in function.RawBindings)
        {
            using var binding = JsonDocument.Parse(raw);
            if (string.Equals(binding.RootElement.GetProperty("type").GetString(), type, StringComparison.OrdinalIgnoreCase))
            {
                return binding.RootElement.GetProperty("name").GetString()!;
            }
        }

        throw new InvalidOperationException($"Function {function.Name} has no {type} binding: {string.Join(", ", function.RawBindings)}");
    }
}

public sealed record HttpInvocationResult(int Status, string? ContentType, byte[] Body, InvocationResponse Invocation)
{
    public string Text => System.Text.Encoding.UTF8.GetString(Body);

    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public override string ToString() => $"{Status} {ContentType} {Text} (invocation {Invocation.Result?.Status}: {Invocation.Result?.Exception?.Message} {Invocation.Result?.Exception?.StackTrace})";
}
