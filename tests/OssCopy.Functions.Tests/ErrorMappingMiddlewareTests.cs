using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;

namespace OssCopy.Functions.Tests;

public sealed class ErrorMappingMiddlewareTests
{
    // The key under which the ASP.NET Core integration puts the HttpContext on the FunctionContext.
    private const string HttpContextKey = "HttpRequestContext";

    [Fact]
    public async Task An_unhandled_exception_becomes_a_500_problem_without_its_message()
    {
        var http = new DefaultHttpContext();
        http.Response.Body = new MemoryStream();
        var context = Context(http);
        var middleware = new ErrorMappingMiddleware(NullLogger<ErrorMappingMiddleware>.Instance);

        await middleware.Invoke(context, _ => throw new InvalidOperationException("internal detail: /home/site/secret-path"));

        Assert.Equal(500, http.Response.StatusCode);
        Assert.StartsWith("application/problem+json", http.Response.ContentType, StringComparison.Ordinal);
        var body = System.Text.Encoding.UTF8.GetString(((MemoryStream)http.Response.Body).ToArray());
        Assert.DoesNotContain("internal detail", body, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", body, StringComparison.Ordinal);
        using var problem = JsonDocument.Parse(body);
        Assert.Equal(500, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Equal("invocation-1", problem.RootElement.GetProperty("invocationId").GetString());
    }

    [Fact]
    public async Task A_function_without_an_http_context_rethrows_so_the_host_retries()
    {
        var context = Context(null);
        var middleware = new ErrorMappingMiddleware(NullLogger<ErrorMappingMiddleware>.Instance);

        await Assert.ThrowsAsync<InvalidOperationException>(() => middleware.Invoke(context, _ => throw new InvalidOperationException("queue failure")));
    }

    private static FunctionContext Context(HttpContext? http)
    {
        var items = new Dictionary<object, object>();
        if (http is not null)
        {
            items[HttpContextKey] = http;
        }

        var definition = new Mock<FunctionDefinition>();
        definition.SetupGet(d => d.Name).Returns("Copy");
        var context = new Mock<FunctionContext>();
        context.SetupGet(c => c.Items).Returns(items);
        context.SetupGet(c => c.InvocationId).Returns("invocation-1");
        context.SetupGet(c => c.FunctionDefinition).Returns(definition.Object);
        return context.Object;
    }
}
