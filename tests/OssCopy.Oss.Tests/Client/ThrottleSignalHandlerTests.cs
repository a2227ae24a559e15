using System.Diagnostics.Metrics;
using System.Net;
using OssCopy.Oss.Http;

namespace OssCopy.Oss.Tests.Client;

public class ThrottleSignalHandlerTests
{
    private sealed class Answers(params HttpStatusCode[] statuses) : HttpMessageHandler
    {
        private readonly Queue<HttpStatusCode> _statuses = new(statuses);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(_statuses.Dequeue()));
    }

    [Fact]
    public async Task Every_attempt_is_metered_by_operation_and_status_and_each_throttled_one_raises_the_signal()
    {
        // An operation name of this test's own: other tests send requests at the same time.
        var operation = "Test" + Guid.NewGuid().ToString("N");
        var seen = new List<(string Instrument, long Value, string? Status)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == OssClientMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var list = tags.ToArray();
            if (list.Any(t => t.Key == OssClientMetrics.OperationTag && Equals(t.Value, operation)))
            {
                lock (seen)
                {
                    seen.Add((instrument.Name, value, list.FirstOrDefault(t => t.Key == OssClientMetrics.StatusCodeTag).Value?.ToString()));
                }
            }
        });
        listener.Start();
        var signal = new ThrottleSignal();
        var raised = 0;
        signal.Throttled += () => raised++;
        using var invoker = new HttpMessageInvoker(new ThrottleSignalHandler(signal,
            new Answers(HttpStatusCode.ServiceUnavailable, HttpStatusCode.TooManyRequests, HttpStatusCode.OK)));

        foreach (var _ in Enumerable.Range(0, 3))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "http://bucket.oss-cn-hangzhou.aliyuncs.com/k");
            request.Options.Set(OssRequestState.OptionsKey, new OssRequestState { Operation = operation, Method = "GET" });
            using var response = await invoker.SendAsync(request, CancellationToken.None);
        }

        Assert.Equal((2, 2L), (raised, signal.Count));
        Assert.Equal(["503", "429", "200"], seen.Where(m => m.Instrument == OssClientMetrics.Attempts).Select(m => m.Status));
        Assert.Equal(2, seen.Where(m => m.Instrument == OssClientMetrics.Throttled).Sum(m => m.Value));
    }
}
