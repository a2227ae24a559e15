using Microsoft.AspNetCore.Http;

namespace OssCopy.Functions.Http;

/// <summary>A request body read whole, but never more than a limit: a body over it is refused before it is buffered.</summary>
public static class BoundedBody
{
    /// <summary>The body's bytes, or null when it is (or claims to be) larger than <paramref name="limit"/>.</summary>
    public static async Task<byte[]?> ReadAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength is { } declared && declared > limit)
        {
            return null;
        }

        // One byte beyond the limit tells an oversized body without a Content-Length from one that fits exactly.
        var buffer = new byte[Math.Min(limit + 1, (int)(request.ContentLength ?? 16 * 1024) + 1)];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (buffer.Length > limit)
                {
                    return null;
                }

                Array.Resize(ref buffer, Math.Min(limit + 1, buffer.Length * 2));
            }

            var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
            if (read == 0)
            {
                break;
            }

            length += read;
            if (length > limit)
            {
                return null;
            }
        }

        return buffer.AsSpan(0, length).ToArray();
    }

    public static ProblemResult TooLarge(int limit) =>
        ProblemResult.Create(StatusCodes.Status413PayloadTooLarge, "Content Too Large", $"The request body is larger than {limit} bytes.");
}
