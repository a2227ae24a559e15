using System.Text.Json;
using System.Text.Json.Serialization;

namespace OssCopy.AzureStorage;

/// <summary>List one page of a key range: keys after <see cref="After"/> up to <see cref="Last"/> (null: to the end).</summary>
public sealed record ListStepMessage(string Plan, string RunId, string RangeId, string? After, string? Last);

/// <summary>A batch of objects to copy in one function call; <see cref="BatchId"/> is unique within the run.</summary>
public sealed record CopyBatchMessage<TItem>(string Plan, string RunId, string BatchId, IReadOnlyList<TItem> Items);

/// <summary>
/// JSON for queue messages: camelCase, enums by name, nulls left out, non-ASCII kept as UTF-8 (the queue client
/// Base64-encodes the bytes, so escaping would only make messages bigger).
/// </summary>
public static class QueueMessageCodec
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    public static BinaryData Encode<T>(T message) => BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(message, Options));

    public static T Decode<T>(BinaryData body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return body.ToObjectFromJson<T>(Options) ?? throw new InvalidDataException($"The queue message holds null, not a {typeof(T).Name}.");
    }

    /// <summary>The size the queue stores for a message of <paramref name="bytes"/> bytes once Base64-encoded.</summary>
    public static int Base64Length(int bytes) => (bytes + 2) / 3 * 4;
}
