using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using OssCopy.Core.Backup;

namespace OssCopy.AzureStorage;

/// <summary>
/// Run reports as blobs <c>{container}/{plan}/{runId}.json</c>, in exactly the CLI's format: <see cref="CreateSink"/>
/// gives an <see cref="IReportSink"/> that streams through Core's <see cref="JsonReportWriter"/> to a temporary
/// file and uploads that file (streamed, in blocks) when the report completes, so a million entries never sit in memory.
/// </summary>
public sealed class BlobReportStore
{
    private readonly BlobContainerClient _container;

    public BlobReportStore(AzureStorageClients clients, AzureStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentNullException.ThrowIfNull(options);
        _container = clients.Blobs.GetBlobContainerClient(options.ReportsContainer);
    }

    public Task CreateIfNotExistsAsync(CancellationToken cancellationToken) => _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);

    public static string BlobName(string plan, string runId)
    {
        ArgumentException.ThrowIfNullOrEmpty(plan);
        ArgumentException.ThrowIfNullOrEmpty(runId);
        return $"{plan}/{runId}.json";
    }

    public Uri ReportUri(string plan, string runId) => _container.GetBlobClient(BlobName(plan, runId)).Uri;

    /// <summary>A sink whose <see cref="IReportSink.CompleteAsync"/> uploads the report (replacing one written before for the run).</summary>
    public IReportSink CreateSink(string plan, string runId) => new BlobReportSink(_container.GetBlobClient(BlobName(plan, runId)));

    /// <summary>The report's bytes, or null when the run has none.</summary>
    public async Task<Stream?> OpenReadAsync(string plan, string runId, CancellationToken cancellationToken)
    {
        var blob = _container.GetBlobClient(BlobName(plan, runId));
        try
        {
            return await blob.OpenReadAsync(new BlobOpenReadOptions(allowModifications: false), cancellationToken);
        }
        catch (Azure.RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    private sealed class BlobReportSink(BlobClient blob) : IReportSink
    {
        private readonly string _path = Path.Combine(Path.GetTempPath(), $"osscopy-report-{Guid.NewGuid():N}.json");
        private JsonReportWriter? _writer;

        public ValueTask StartAsync(CopyReport header, CancellationToken cancellationToken)
        {
            _writer = new JsonReportWriter(_path);
            return _writer.StartAsync(header, cancellationToken);
        }

        public ValueTask WriteAsync(ReportEntry entry, CancellationToken cancellationToken) =>
            (_writer ?? throw new InvalidOperationException("StartAsync first.")).WriteAsync(entry, cancellationToken);

        public async ValueTask CompleteAsync(CopyReport report, CancellationToken cancellationToken)
        {
            var writer = _writer ?? throw new InvalidOperationException("StartAsync first.");
            await writer.CompleteAsync(report, cancellationToken);
            await writer.DisposeAsync();
            _writer = null;
            await using var file = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
            await blob.UploadAsync(file, new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/json; charset=utf-8" } }, cancellationToken);
        }

        public async ValueTask DisposeAsync()
        {
            if (_writer is not null)
            {
                await _writer.DisposeAsync();
            }

            File.Delete(_path);
        }
    }
}
