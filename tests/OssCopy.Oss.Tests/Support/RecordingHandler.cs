using System.Net;
using System.Text;

namespace OssCopy.Oss.Tests.Support;

/// <summary>One request as it reached the wire: everything a test may assert.</summary>
public sealed record RecordedRequest(string Method, Uri Uri, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string PathAndQuery => Uri.PathAndQuery;

    public string Path => Uri.AbsolutePath;

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    public string BodyText => Encoding.UTF8.GetString(Body);
}

/// <summary>
/// The primary handler of wire tests: records each request exactly as sent and answers from a script
/// (one responder per expected request, in order). No network.
/// </summary>
public sealed class RecordingHandler : HttpMessageHandler
{
    private readonly Queue<Func<RecordedRequest, HttpResponseMessage>> _script = new();

    public List<RecordedRequest> Requests { get; } = [];

    public RecordingHandler Then(Func<RecordedRequest, HttpResponseMessage> responder)
    {
        _script.Enqueue(responder);
        return this;
    }

    public RecordingHandler ThenRespond(HttpStatusCode status, string? xml = null, params (string Name, string Value)[] headers) =>
        Then(_ => Response(status, xml, headers));

    public RecordingHandler ThenThrow(Exception exception) => Then(_ => throw exception);

    public static HttpResponseMessage Response(HttpStatusCode status, string? body = null, params (string Name, string Value)[] headers)
    {
        var response = new HttpResponseMessage(status)
        {
            Content = new ByteArrayContent(body is null ? [] : Encoding.UTF8.GetBytes(body)),
        };
        if (body is not null)
        {
            response.Content.Headers.TryAddWithoutValidation("Content-Type", "application/xml");
        }

        response.Headers.TryAddWithoutValidation("x-oss-request-id", "5C3D9175B6FC201293AD4890");
        foreach (var (name, value) in headers)
        {
            if (!response.Headers.TryAddWithoutValidation(name, value))
            {
                response.Content.Headers.Remove(name);
                response.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return response;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        // The non-validated view: enumerating typed headers would re-format them, hiding what really goes on the wire.
        foreach (var (name, values) in request.Headers.NonValidated)
        {
            headers[name] = string.Join(",", values);
        }

        byte[] body = [];
        if (request.Content is not null)
        {
            foreach (var (name, values) in request.Content.Headers.NonValidated)
            {
                headers[name] = string.Join(",", values);
            }

            if (request.Content.Headers.ContentLength is { } length)
            {
                headers["Content-Length"] = length.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            body = await request.Content.ReadAsByteArrayAsync(cancellationToken);
        }

        var recorded = new RecordedRequest(request.Method.Method, request.RequestUri!, headers, body);
        Requests.Add(recorded);
        if (_script.Count == 0)
        {
            throw new InvalidOperationException($"Unexpected request {recorded.Method} {recorded.Uri}");
        }

        var response = _script.Dequeue()(recorded);
        response.RequestMessage = request;
        return response;
    }
}
