using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;
using OssCopy.Functions.Http;
using OssCopy.Functions.Internal;

namespace OssCopy.Functions;

/// <summary>
/// The last word on failures: an exception no function handled becomes a 500 <c>application/problem+json</c> that
/// names the invocation and nothing of the exception (its message may carry a path, a URL, an internal detail).
/// The exception itself goes to the log. Non-HTTP triggers rethrow, so the host's retries and poison queues apply.
/// </summary>
public sealed class ErrorMappingMiddleware : IFunctionsWorkerMiddleware
{
    private readonly ILogger<ErrorMappingMiddleware> _logger;

    public ErrorMappingMiddleware(ILogger<ErrorMappingMiddleware> logger) => _logger = logger;

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        try
        {
            await next(context);
        }
        catch (Exception ex) when (context.GetHttpContext() is { } http && !http.RequestAborted.IsCancellationRequested)
        {
            FunctionsLog.Unhandled(_logger, ex, context.FunctionDefinition.Name, context.InvocationId);
            if (http.Response.HasStarted)
            {
                throw;
            }

            http.Response.Clear();
            var problem = ProblemResult.Create(500, "Internal Server Error", "The request could not be completed; the failure is logged under this invocation id.",
                extensions: new Dictionary<string, object?> { ["invocationId"] = context.InvocationId });
            await problem.ExecuteResultAsync(new ActionContext { HttpContext = http });
        }
    }
}
