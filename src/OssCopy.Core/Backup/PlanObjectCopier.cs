using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OssCopy.Core.Copying;
using OssCopy.Core.Internal;
using OssCopy.Core.State;
using OssCopy.Oss;
using OssCopy.Oss.Http;
using OssCopy.Oss.Models;

namespace OssCopy.Core.Backup;

/// <summary>
/// Deals with one object of a plan that the listing diff found missing or different: makes sure it really needs a
/// copy (a multipart copy's own ETag is recognised through the state store's lineage or the destination's
/// <c>x-oss-meta-osscopy-source-etag</c>), copies it through the registered <see cref="CopyOrchestrator"/> at the
/// plan's verification level (throttled copies are tried again at a lowered concurrency), records the lineage, and
/// returns its report line. The in-process run calls it from its workers; a queue worker calls it once per message.
/// Never throws for a failed copy (the line says Failed); throws only when cancelled or when the state store fails.
/// </summary>
public sealed class PlanObjectCopier
{
    private readonly CopyOrchestrator _orchestrator;
    private readonly IOssClient _client;
    private readonly ICopyStateStore _store;
    private readonly BackupRunnerOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CopyOrchestrator?[] _byVerification = new CopyOrchestrator?[Enum.GetValues<CopyVerification>().Length];

    public PlanObjectCopier(
        CopyOrchestrator orchestrator,
        IOssClient client,
        ICopyStateStore store,
        IOptions<BackupRunnerOptions> options,
        ILogger<PlanObjectCopier>? logger = null,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _orchestrator = orchestrator ?? throw new ArgumentNullException(nameof(orchestrator));
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _options = options.Value;
        _options.ThrowIfInvalid();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The state store lineage is recorded in (and the run keeps its checkpoints and manifest in).</summary>
    public ICopyStateStore Store => _store;

    /// <summary>The engine at a verification level: the registered one, or a sibling sharing its client and caches.</summary>
    public CopyOrchestrator OrchestratorFor(CopyVerification verification)
    {
        var index = (int)verification;
        return _byVerification[index] ??= _orchestrator.WithVerification(verification);
    }

    /// <summary>Deals with one work item, as described on the class.</summary>
    public async Task<ReportEntry> CopyAsync(PlanCopyContext context, CopyWorkItem item, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(item);
        var (entry, _) = await ProcessAsync(context, item, checkDestinationFirst: false, cancellationToken);
        RecordMetrics(context, entry);
        return entry;
    }

    /// <summary>
    /// Deals with one work item of a batch worked on before (a worker killed mid-batch, or a claim that ran out): a copy
    /// made then may have finished without its outcome being recorded, so the destination is asked first (one HEAD,
    /// paced like a copy). Holding this source's copy already (same size, and the listed source ETag as its ETag, as a
    /// CopyObject keeps it, or as its <c>x-oss-meta-osscopy-source-etag</c>, as a multipart copy records it), the item
    /// is reported Copied from what the HEAD shows, with no copy; otherwise (missing, other content, the HEAD failed)
    /// it goes on as <see cref="CopyAsync"/> does. A copy by OSS is atomic, so an object found is whole. A dry run
    /// asks nothing more than <see cref="CopyAsync"/> does.
    /// </summary>
    public async Task<PlanCopyResult> CopyUnlessCopiedAlreadyAsync(PlanCopyContext context, CopyWorkItem item, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(item);
        var (entry, found) = await ProcessAsync(context, item, checkDestinationFirst: true, cancellationToken);
        RecordMetrics(context, entry);
        return new PlanCopyResult(entry, found);
    }

    private static void RecordMetrics(PlanCopyContext context, ReportEntry entry) =>
        OssCopyMetrics.RecordOutcome(context.Plan.Name, entry.Action, entry.Action == ReportAction.Copied ? entry.Size : 0,
            entry.Action is ReportAction.Failed or ReportAction.SourceChanged);

    private async Task<(ReportEntry Entry, bool FoundCopied)> ProcessAsync(PlanCopyContext context, CopyWorkItem item, bool checkDestinationFirst,
        CancellationToken cancellationToken)
    {
        var orchestrator = OrchestratorFor(context.Verification);
        var reason = ReportMapping.Reason(item.Reason);
        for (var attempt = 0; ; attempt++)
        {
            using var lease = context.Limiter is { } limiter ? await limiter.AcquireAsync(cancellationToken) : default(AdaptiveConcurrencyLimiter.Lease?);
            if (item.Reason == DiffKind.ETagDiffers && item.Destination is not null && await IsOurCopyAsync(context, item, cancellationToken))
            {
                lease?.Succeeded();
                return (ReportMapping.Entry(context, item, ReportAction.Unchanged, ReportReason.CopiedBefore), false);
            }

            if (context.DryRun)
            {
                lease?.Succeeded();
                return (ReportMapping.Entry(context, item, ReportAction.WouldCopy, reason) with { Requests = EstimateRequests(orchestrator.Options, item.Source.Size) }, false);
            }

            // Only before the first attempt: a throttled CopyObject wrote nothing, so its retry needs no HEAD.
            if (checkDestinationFirst && attempt == 0 && await FindCopyAsync(context, item, reason, cancellationToken) is { } found)
            {
                lease?.Succeeded();
                return (found, true);
            }

            // Awaited here, not in a method of its own: one async frame (and its box) less per object.
            var request = CopyRequestFor(context, item);
            CopyOutcome outcome;
            try
            {
                // A throttled CopyObject comes back at once and is retried below, after the lease is released: the
                // client's own backoff would hold the slot that another copy can use meanwhile.
                using (OssRetryScope.ReturnThrottledCopyObject())
                {
                    outcome = await orchestrator.CopyAsync(request, cancellationToken);
                }
            }
            catch (CopyValidationException ex)
            {
                outcome = InvalidKey(request, item, ex);
            }

            if (IsThrottled(outcome))
            {
                lease?.Throttled();
                OssCopyMetrics.ThrottledCounter.Add(1, new KeyValuePair<string, object?>(OssCopyMetrics.PlanTag, context.Plan.Name));
                if (attempt < _options.ThrottleRetries)
                {
                    await Task.Delay(Backoff(attempt), _time, cancellationToken);
                    continue;
                }
            }
            else if (outcome.Status == CopyStatus.Copied)
            {
                lease?.Succeeded();
            }

            if (outcome.Status == CopyStatus.Copied && !ETags.Equal(outcome.ETag, item.Source.ETag) && outcome.ETag is { } etag && item.Source.ETag is { } sourceETag)
            {
                await _store.RecordLineageAsync(context.Plan.Name,
                    new CopyLineage(context.DestinationKey(item.RelativeKey), sourceETag, etag, item.Source.Size, _time.GetUtcNow()), CancellationToken.None);
            }

            if (outcome.Status is not (CopyStatus.Copied or CopyStatus.Restoring or CopyStatus.Skipped))
            {
                CoreLog.ObjectFailed(_logger, context.Plan.Name, item.Source.Key, outcome.Error?.ToString() ?? outcome.Status.ToString());
            }

            return (ReportMapping.FromOutcome(context, item, reason, outcome), false);
        }
    }

    /// <summary>The report line of this source's copy found in the destination (as described on <see cref="CopyUnlessCopiedAlreadyAsync"/>), or null.</summary>
    private async Task<ReportEntry?> FindCopyAsync(PlanCopyContext context, CopyWorkItem item, ReportReason reason, CancellationToken cancellationToken)
    {
        if (item.Source.ETag is not { } sourceETag)
        {
            return null;
        }

        var destinationKey = context.DestinationKey(item.RelativeKey);
        var started = _time.GetTimestamp();
        HeadObjectResult head;
        try
        {
            head = await _client.HeadObjectAsync(new HeadObjectRequest { Bucket = context.Plan.Destination.Bucket, Key = destinationKey }, cancellationToken);
        }
        catch (Exception ex) when (ex is OssException or HttpRequestException or IOException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // Not there (404) or not readable: copying is then the safe answer, and the copy reports its own error if any.
            return null;
        }

        var properties = head.Properties;
        if (properties.ContentLength != item.Source.Size)
        {
            return null;
        }

        CopyStrategy strategy;
        if (ETags.Equal(properties.ETag, sourceETag))
        {
            strategy = CopyStrategy.SingleCopy;
        }
        else if (properties.Metadata.TryGetValue(CopyRequestValidator.SourceETagMetadata, out var recorded) && ETags.Equal(recorded, sourceETag))
        {
            strategy = CopyStrategy.Multipart;
        }
        else
        {
            return null;
        }

        if (strategy == CopyStrategy.Multipart && properties.ETag is { } etag)
        {
            // As after a multipart copy made here: the next run knows the destination's own ETag as ours without a HEAD.
            await _store.RecordLineageAsync(context.Plan.Name, new CopyLineage(destinationKey, sourceETag, etag, item.Source.Size, _time.GetUtcNow()), CancellationToken.None);
        }

        return ReportMapping.Entry(context, item, ReportAction.Copied, reason) with
        {
            Strategy = strategy.ToString(),
            Verified = true,
            StatusCode = head.StatusCode == 0 ? null : head.StatusCode,
            RequestId = head.RequestId,
            ETag = properties.ETag,
            VersionId = properties.VersionId,
            HashCrc64 = properties.HashCrc64?.ToString(CultureInfo.InvariantCulture),
            DurationMs = Math.Round(_time.GetElapsedTime(started).TotalMilliseconds, 1),
        };
    }

    /// <summary>
    /// Same size, other ETag: a multipart copy gives the destination an ETag of its own, so before copying again
    /// ask the state store, then the destination's <c>x-oss-meta-osscopy-source-etag</c>, whether it is our copy
    /// of this very source.
    /// </summary>
    private async Task<bool> IsOurCopyAsync(PlanCopyContext context, CopyWorkItem item, CancellationToken cancellationToken)
    {
        var destination = item.Destination!;
        var destinationKey = context.DestinationKey(item.RelativeKey);
        var lineage = await _store.FindLineageAsync(context.Plan.Name, destinationKey, cancellationToken);
        if (lineage is not null && ETags.Equal(lineage.SourceETag, item.Source.ETag) && ETags.Equal(lineage.DestinationETag, destination.ETag))
        {
            return true;
        }

        HeadObjectResult head;
        try
        {
            head = await _client.HeadObjectAsync(new HeadObjectRequest { Bucket = context.Plan.Destination.Bucket, Key = destinationKey }, cancellationToken);
        }
        catch (OssException)
        {
            // Gone (404) or unreadable: copying is then the safe answer, and the copy reports its own error if any.
            return false;
        }

        var recorded = head.Properties.Metadata.TryGetValue(CopyRequestValidator.SourceETagMetadata, out var value) ? value : null;
        if (!ETags.Equal(recorded, item.Source.ETag) || !ETags.Equal(head.Properties.ETag, destination.ETag))
        {
            return false;
        }

        if (!context.DryRun && item.Source.ETag is { } sourceETag && destination.ETag is { } destinationETag)
        {
            // Remember it, so the next run needs no HEAD for this object.
            await _store.RecordLineageAsync(context.Plan.Name,
                new CopyLineage(destinationKey, sourceETag, destinationETag, item.Source.Size, _time.GetUtcNow()), cancellationToken);
        }

        return true;
    }

    /// <summary>A key that cannot be written under the destination prefix (too long, say): it fails alone.</summary>
    private static CopyOutcome InvalidKey(CopyRequest request, CopyWorkItem item, CopyValidationException ex) => new()
    {
        Status = CopyStatus.Failed, Bucket = request.Bucket, Key = request.Key, SourceBucket = request.SourceBucket!, SourceKey = request.SourceKey,
        SourceSize = item.Source.Size, SourceETag = item.Source.ETag, Error = new CopyError(0, "InvalidRequest", ex.Message, null, null),
    };

    /// <summary>The copy request for a work item: the plan's copy options and tag rules, pinned to the listed ETag and size.</summary>
    public static CopyRequest CopyRequestFor(PlanCopyContext context, CopyWorkItem item)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(item);
        var plan = context.Plan;
        var options = plan.Options ?? NoCopyOptions;
        var source = item.Source;
        var rule = FirstMatch(plan.TagRules, item.RelativeKey, source.Size);
        var action = rule?.Action ?? TagAction.Copy;
        var tags = action == TagAction.Copy ? null : TagTemplate.Expand(rule!.Tagging, context.Placeholders, "tagging");
        return new CopyRequest
        {
            Bucket = plan.Destination.Bucket,
            Key = context.DestinationKey(item.RelativeKey),
            SourceBucket = plan.Source.Bucket,
            SourceKey = source.Key,
            ExpectedSourceETag = source.ETag,
            KnownSourceSize = source.Size,
            ForbidOverwrite = options.ForbidOverwrite,
            TaggingDirective = action == TagAction.Copy ? null : action.ToString(),
            Tagging = tags is { Count: > 0 } ? tags.ToString() : null,
            StorageClass = options.StorageClass,
            ObjectAcl = options.ObjectAcl,
            ServerSideEncryption = options.ServerSideEncryption,
            ServerSideDataEncryption = options.ServerSideDataEncryption,
            ServerSideEncryptionKeyId = options.ServerSideEncryptionKeyId,
            RecordSourceETag = true,
            KnownSourceStorageClass = source.StorageClass,
            Archived = options.Archived,
            RestoreDays = options.RestoreDays,
            RestoreTier = options.RestoreTier,
        };
    }

    // Read only: the defaults for a plan without options, shared rather than made per object.
    private static readonly BackupCopyOptions NoCopyOptions = new();

    private static TagRule? FirstMatch(IReadOnlyList<TagRule> rules, string relativeKey, long size)
    {
        foreach (var rule in rules)
        {
            if (rule.Matches(relativeKey, size))
            {
                return rule;
            }
        }

        return null;
    }

    private static bool IsThrottled(CopyOutcome outcome) =>
        outcome.Error is { } error && (error.StatusCode is 429 or 503 || error.Code is OssErrorCodes.SlowDown or "TooManyRequests");

    private TimeSpan Backoff(int attempt)
    {
        var baseDelay = _options.ThrottleBackoff.TotalMilliseconds * Math.Pow(2, attempt);
        return TimeSpan.FromMilliseconds(baseDelay * (0.5 + (Random.Shared.NextDouble() * 0.5)));
    }

    /// <summary>The requests a copy of this size would take at these engine options (a dry run's estimate).</summary>
    public static int EstimateRequests(CopyEngineOptions engine, long size)
    {
        ArgumentNullException.ThrowIfNull(engine);
        var full = engine.Verification == CopyVerification.Full ? 1 : 0;
        if (size < engine.MultipartThreshold)
        {
            return engine.Verification == CopyVerification.ETag ? 1 : 2 + full;
        }

        var partSize = engine.PartSizeFor(size);
        var parts = (int)((size + partSize - 1) / partSize);
        return 1 + 1 + parts + 1 + full;
    }
}

/// <summary>A work item's report line, and whether its copy was found in the destination already (no copy made by this call).</summary>
public readonly record struct PlanCopyResult(ReportEntry Entry, bool FoundCopied);
