using Microsoft.Azure.Functions.Worker;

namespace OssCopy.Functions.Tests.Support;

/// <summary>
/// The invocation context a function method gets, with the binding data the host sends (a queue message's
/// <c>DequeueCount</c>, <c>Id</c>…). Only what the app's non-HTTP functions read is real; the rest is empty.
/// </summary>
public sealed class TestFunctionContext : FunctionContext
{
    public TestFunctionContext(IServiceProvider services, IReadOnlyDictionary<string, object?>? bindingData = null, CancellationToken cancellationToken = default)
    {
        InstanceServices = services;
        BindingContext = new TestBindingContext(bindingData ?? new Dictionary<string, object?>());
        CancellationToken = cancellationToken;
    }

    public override string InvocationId { get; } = Guid.NewGuid().ToString();

    public override string FunctionId => "test";

    public override TraceContext TraceContext => throw new NotSupportedException();

    public override BindingContext BindingContext { get; }

    public override RetryContext RetryContext => throw new NotSupportedException();

    public override IServiceProvider InstanceServices { get; set; }

    public override FunctionDefinition FunctionDefinition => throw new NotSupportedException();

    public override IDictionary<object, object> Items { get; set; } = new Dictionary<object, object>();

    public override IInvocationFeatures Features => throw new NotSupportedException();

    public override CancellationToken CancellationToken { get; }

    /// <summary>A queue delivery's context: the trigger metadata as the host sends it (DequeueCount as JSON text).</summary>
    public static TestFunctionContext ForQueueMessage(IServiceProvider services, string id, long dequeueCount, DateTimeOffset? insertedOn,
        CancellationToken cancellationToken = default) =>
        new(services, new Dictionary<string, object?>
        {
            ["Id"] = "\"" + id + "\"",
            ["DequeueCount"] = dequeueCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["InsertionTime"] = System.Text.Json.JsonSerializer.Serialize(insertedOn),
        }, cancellationToken);

    private sealed class TestBindingContext(IReadOnlyDictionary<string, object?> data) : BindingContext
    {
        public override IReadOnlyDictionary<string, object?> BindingData { get; } = data;
    }
}
