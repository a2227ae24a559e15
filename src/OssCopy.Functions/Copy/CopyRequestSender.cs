using System.Text.Json;

namespace OssCopy.Functions.Copy;

/// <summary>The message that asks a worker to run a recorded copy: its id only (the request is in the copies table).</summary>
public sealed record CopyRequestMessage(string Id)
{
    public static CopyRequestMessage? Parse(string text)
    {
        try
        {
            return JsonSerializer.Deserialize<CopyRequestMessage>(text, JsonSerializerOptions.Web) is { Id: { Length: > 0 } } message ? message : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>Sends <see cref="CopyRequestMessage"/>s to <see cref="AsyncCopyNames.Queue"/> (Base64, as the queue trigger reads them).</summary>
public sealed class CopyRequestSender
{
    private readonly AsyncCopyStorage _storage;

    public CopyRequestSender(AsyncCopyStorage storage) => _storage = storage ?? throw new ArgumentNullException(nameof(storage));

    /// <summary>Queues copy <paramref name="id"/>; <paramref name="delay"/> keeps the message invisible that long.</summary>
    public async Task SendAsync(string id, TimeSpan? delay, CancellationToken cancellationToken)
    {
        var queue = await _storage.QueueAsync(AsyncCopyNames.Queue, cancellationToken);
        var body = BinaryData.FromObjectAsJson(new CopyRequestMessage(id), JsonSerializerOptions.Web);
        await queue.SendMessageAsync(body, delay, timeToLive: TimeSpan.FromSeconds(-1), cancellationToken);
    }
}
