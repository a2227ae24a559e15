using OssCopy.Core.Copying;
using OssCopy.Oss;
using OssCopy.Oss.Models;

namespace OssCopy.Functions.Copy;

/// <summary>
/// Tells, before a webhook copy starts, whether the engine will copy it in parts (source at or over its multipart
/// threshold): such a copy can outlast an HTTP response, so it goes to the queue at once. One HEAD of the source; a
/// HEAD that fails says nothing, and the engine's own HEAD then makes the outcome the 200 path answers.
/// </summary>
public sealed class MultipartForecast
{
    private readonly IOssClient _client;
    private readonly CopyOrchestrator _orchestrator;

    public MultipartForecast(IOssClient client, CopyOrchestrator orchestrator)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _orchestrator = orchestrator ?? throw new ArgumentNullException(nameof(orchestrator));
    }

    public async Task<bool> WillGoMultipartAsync(CopyRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.KnownSourceSize is { } known)
        {
            return known >= _orchestrator.Options.MultipartThreshold;
        }

        try
        {
            var head = await _client.HeadObjectAsync(
                new HeadObjectRequest { Bucket = request.SourceBucket ?? request.Bucket, Key = request.SourceKey, VersionId = request.SourceVersionId }, cancellationToken);
            return head.Properties.ContentLength >= _orchestrator.Options.MultipartThreshold;
        }
        catch (OssException)
        {
            return false;
        }
    }
}
