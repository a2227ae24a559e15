using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Timeout;

namespace OssCopy.Oss.Http;

/// <summary>
/// The retry policy of the client, built on Microsoft.Extensions.Http.Resilience: exponential backoff with jitter
/// for network errors, 408, 429 and 5xx (503 SlowDown included), and one more attempt after a clock-skew
/// correction; never for other 4xx, never for a body that cannot be sent twice, never past cancellation, and not for
/// throttling the caller retries itself (<see cref="OssRetryScope"/>).
/// </summary>
public static class OssRetryPipeline
{
    public static void Configure(ResiliencePipelineBuilder<HttpResponseMessage> builder, OssClientOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        if (options.MaxRetries > 0)
        {
            builder.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = TimeSpan.FromSeconds(20),
                ShouldRetryAfterHeader = true,
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome, args.Context)),
                OnRetry = args =>
                {
                    var state = OssRequestState.Of(args.Context.GetRequestMessage());
                    Internal.OssLog.Retrying(logger, state?.Operation, args.AttemptNumber + 2, Describe(args.Outcome), (int)args.RetryDelay.TotalMilliseconds);
                    return ValueTask.CompletedTask;
                },
            });
        }

        builder.AddTimeout(options.AttemptTimeout);
    }

    internal static bool ShouldRetry(Outcome<HttpResponseMessage> outcome, ResilienceContext context)
    {
        var state = OssRequestState.Of(context.GetRequestMessage());
        if (state is { Replayable: false } || context.CancellationToken.IsCancellationRequested)
        {
            return false;
        }

        if (outcome.Exception is not null)
        {
            // A connect or attempt timeout surfaces as a cancellation that is not the caller's: retry it.
            return outcome.Exception is HttpRequestException or TimeoutRejectedException or IOException or OperationCanceledException;
        }

        var response = outcome.Result!;
        var status = (int)response.StatusCode;
        if (status is 429 or 503 && state is { RetryThrottling: false })
        {
            // The caller retries throttling itself, outside its concurrency slot (OssRetryScope).
            return false;
        }

        return status is 408 or 429 or >= 500
               || (response.StatusCode == HttpStatusCode.Forbidden && state is { ClockCorrected: true } or { RenewCredentials: true });
    }

    private static string Describe(Outcome<HttpResponseMessage> outcome) =>
        outcome.Exception is { } ex ? ex.GetType().Name : "HTTP " + (int)outcome.Result!.StatusCode;
}
