using System.Globalization;
using System.Text.Json;
using OssCopy.Functions.ProcessTests.Protocol;

namespace OssCopy.Functions.ProcessTests.Host;

/// <summary>
/// Invocations of the non-HTTP triggers with the binding data the host sends for them: a queue message as its text
/// (the host has already Base64-decoded it under <c>messageEncoding: base64</c>) with the message's properties as
/// trigger metadata, and a timer tick as <c>TimerInfo</c> JSON.
/// </summary>
public static class TriggerInvocations
{
    /// <summary>A queue trigger invocation of <paramref name="function"/> for one message.</summary>
    public static InvocationRequest Queue(RpcFunctionMetadata function, string messageText, QueueMessageProperties properties)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(properties);
        var invocation = new InvocationRequest { InvocationId = Guid.NewGuid().ToString(), FunctionId = function.FunctionId };
        invocation.InputData.Add(new ParameterBinding { Name = HttpInvoker.TriggerBinding(function, "queueTrigger"), Data = new TypedData { String = messageText } });
        invocation.TriggerMetadata["Id"] = Json(properties.Id);
        invocation.TriggerMetadata["PopReceipt"] = Json(properties.PopReceipt);
        invocation.TriggerMetadata["DequeueCount"] = new TypedData { Json = properties.DequeueCount.ToString(CultureInfo.InvariantCulture) };
        invocation.TriggerMetadata["InsertionTime"] = Json(properties.InsertionTime);
        invocation.TriggerMetadata["ExpirationTime"] = Json(properties.ExpirationTime);
        invocation.TriggerMetadata["NextVisibleTime"] = Json(properties.NextVisibleTime);
        return invocation;
    }

    /// <summary>A timer trigger invocation of <paramref name="function"/> for one tick.</summary>
    public static InvocationRequest Timer(RpcFunctionMetadata function, DateTimeOffset last, DateTimeOffset next, bool isPastDue = false)
    {
        ArgumentNullException.ThrowIfNull(function);
        var timerInfo = JsonSerializer.Serialize(new
        {
            Schedule = new { AdjustForDST = true },
            ScheduleStatus = new { Last = last, Next = next, LastUpdated = last },
            IsPastDue = isPastDue,
        });
        var invocation = new InvocationRequest { InvocationId = Guid.NewGuid().ToString(), FunctionId = function.FunctionId };
        invocation.InputData.Add(new ParameterBinding { Name = HttpInvoker.TriggerBinding(function, "timerTrigger"), Data = new TypedData { Json = timerInfo } });
        return invocation;
    }

    private static TypedData Json<T>(T value) => new() { Json = JsonSerializer.Serialize(value) };
}

/// <summary>The properties of a dequeued message that the host passes as trigger metadata.</summary>
public sealed record QueueMessageProperties(string Id, string PopReceipt, long DequeueCount, DateTimeOffset InsertionTime, DateTimeOffset ExpirationTime,
    DateTimeOffset NextVisibleTime)
{
    public static QueueMessageProperties FirstDelivery(DateTimeOffset now) =>
        new(Guid.NewGuid().ToString(), Guid.NewGuid().ToString("N"), 1, now, now.AddDays(7), now.AddSeconds(30));
}
