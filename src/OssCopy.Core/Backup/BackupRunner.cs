using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OssCopy.Core.Copying;
using OssCopy.Core.Internal;
using OssCopy.Core.State;
using OssCopy.Oss;
using OssCopy.Oss.Models;

namespace OssCopy.Core.Backup;

/// <summary>
/// Runs a <see cref="BackupPlan"/>: lists source and destination as two sorted streams and merge-joins them,
/// copies what is missing or different through the <see cref="CopyOrchestrator"/> with bounded, adaptive
/// parallelism, never deletes in the destination, checkpoints its position so a stopped run resumes, and accounts
/// for every source object in a <see cref="CopyReport"/>. One failing object never stops the plan.
/// </summary>
public sealed class BackupRunner
{
    private readonly IOssClient _client;
    private readonly CopyEngineOptions _engineOptions;
    private readonly BackupRunnerOptions _options;
    private readonly ICopyStateStore _store;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    public BackupRunner(
        IOssClient client,
        IOptions<CopyEngineOptions> engineOptions,
        IOptions<BackupRunnerOptions> options,
        ICopyStateStore store,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null,
        ThrottleSignal? throttleSignal = null)
    {
        ArgumentNullException.ThrowIfNull(engineOptions);
        ArgumentNullException.ThrowIfNull(options);
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _engineOptions = engineOptions.Value;
        _engineOptions.ThrowIfInvalid();
        _options = options.Value;
        _options.ThrowIfInvalid();
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<BackupRunner>();
        _time = timeProvider ?? TimeProvider.System;
        _throttleSignal = throttleSignal;
    }

    private readonly ThrottleSignal? _throttleSignal;

    /// <summary>
    /// Runs the plan. Throws <see cref="CopyValidationException"/> for a plan that cannot run (before any request),
    /// <see cref="OssException"/> when a listing fails (the plan as a whole cannot go on), and
    /// <see cref="OperationCanceledException"/> after saving the checkpoint and the report when cancelled.
    /// </summary>
    public async Task<CopyReport> RunAsync(BackupPlan plan, BackupRunOptions? run = null, CancellationToken cancellationToken = default)
    {
        BackupPlanLoader.ThrowIfInvalid(plan);
        run ??= new BackupRunOptions();
        var state = await StartAsync(plan, run, cancellationToken);
        using var window = state.Window;
        var report = run.Report;
        await (report?.StartAsync(state.Header(), cancellationToken) ?? ValueTask.CompletedTask);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Action onThrottle = state.Limiter.ReportThrottle;
        if (_throttleSignal is not null)
        {
            _throttleSignal.Throttled += onThrottle;
        }

        var channel = Channel.CreateBounded<WorkItem>(new BoundedChannelOptions(state.Parallelism * 2) { SingleWriter = true });
        var workers = Enumerable.Range(0, state.Parallelism).Select(_ => WorkerAsync(state, channel.Reader, stop)).ToList();
        var checkpoints = run.DryRun ? Task.CompletedTask : CheckpointLoopAsync(state, stop.Token);
        Exception? failure = null;
        try
        {
            await ProduceAsync(state, channel.Writer, stop.Token);
            await Task.WhenAll(workers);
        }
        catch (Exception ex)
        {
            // Whatever stopped the run, the checkpoint and the report below still get written; the error is rethrown after.
            failure = ex is AggregateException { InnerExceptions.Count: 1 } single ? single.InnerExceptions[0] : ex;
            await stop.CancelAsync();
            channel.Writer.TryComplete();
            await Task.WhenAll(workers.Select(w => w.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default)));

            // A worker's own error explains the stop better than the cancellation it caused.
            failure = workers.FirstOrDefault(w => w.IsFaulted)?.Exception?.InnerException ?? failure;
        }
        finally
        {
            if (_throttleSignal is not null)
            {
                _throttleSignal.Throttled -= onThrottle;
            }

            await stop.CancelAsync();
            await checkpoints.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }

        var completed = failure is null;
        if (!run.DryRun)
        {
            // Cancellation must not cancel the bookkeeping that makes the next run resume instead of starting over.
            if (completed)
            {
                await _store.DeleteCheckpointAsync(plan.Name, CancellationToken.None);
            }
            else
            {
                await SaveCheckpointAsync(state, CancellationToken.None);
            }
        }

        var final = state.Report(
            completed ? "Completed" : failure is OperationCanceledException && cancellationToken.IsCancellationRequested ? "Cancelled" : "Failed", _time.GetUtcNow());
        final = final with
        {
            RangesTrusted = state.Ranges?.TrustedRanges ?? 0,
            RangesCompared = state.Ranges?.ComparedRanges ?? 0,
            FullReconcile = completed && state.Checkpoint is null && state.Ranges?.TrustedRanges == 0,
        };
        if (completed && !run.DryRun)
        {
            try
            {
                await SaveSyncManifestAsync(state, final, CancellationToken.None);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The copies are done and reported; without a new manifest the next run only lists more. Any store's
                // failure (a read-only folder, a table service's error) is a warning, not a failed run.
                CoreLog.SyncManifestNotSaved(_logger, plan.Name, $"{ex.GetType().Name}: {ex.Message}");
            }
        }

        await (report?.CompleteAsync(final, CancellationToken.None) ?? ValueTask.CompletedTask);
        CoreLog.BackupFinished(_logger, plan.Name, final.Totals.Copied, final.Totals.Unchanged, final.Totals.Failed, final.Totals.Listed,
            (long)(final.DurationSeconds * 1000), run.DryRun);
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        }

        return final;
    }

    private async Task<RunState> StartAsync(BackupPlan plan, BackupRunOptions run, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var fingerprint = Fingerprint(plan);
        var checkpoint = run.DryRun || !run.Resume ? null : await _store.LoadCheckpointAsync(plan.Name, cancellationToken);
        if (checkpoint is not null && checkpoint.Fingerprint != fingerprint)
        {
            checkpoint = null;
        }

        if (checkpoint?.AfterSourceKey is { } after)
        {
            CoreLog.Resuming(_logger, plan.Name, after);
        }

        var engine = new CopyEngineOptions
        {
            MultipartThreshold = _engineOptions.MultipartThreshold,
            PartSize = _engineOptions.PartSize,
            PartParallelism = _engineOptions.PartParallelism,
            Verification = run.Verification ?? plan.Options?.Verification ?? _options.Verification,
            AbortTimeout = _engineOptions.AbortTimeout,
            CheckSameRegion = _engineOptions.CheckSameRegion,
        };
        var counting = new CountingOssClient(_client);
        var parallelism = run.Parallelism ?? plan.Options?.Parallelism ?? _options.MaxParallelism;
        var limiter = new AdaptiveConcurrencyLimiter(parallelism, Math.Min(_options.MinParallelism, parallelism), timeProvider: _time);
        var progress = run.Progress ?? new BackupProgress();
        progress.SetConcurrency(limiter.Limit);
        limiter.LimitChanged += (old, @new) =>
        {
            progress.SetConcurrency(@new);
            if (@new < old)
            {
                CoreLog.ConcurrencyLowered(_logger, "throttled", old, @new);
            }
            else
            {
                CoreLog.ConcurrencyRaised(_logger, old, @new);
            }
        };

        var (stored, manifest, trusted) = await LoadSyncManifestAsync(plan, run, now, cancellationToken);
        var startedAt = checkpoint?.StartedAt ?? now;
        return new RunState
        {
            Plan = plan,
            Run = run,
            RunId = checkpoint?.RunId ?? Guid.NewGuid().ToString("N"),
            Fingerprint = fingerprint,
            StoredManifest = stored,
            Manifest = manifest,
            Trusted = trusted,
            StartedAt = now,
            OriginalStart = startedAt,
            Stopwatch = Stopwatch.StartNew(),
            Client = counting,
            Orchestrator = new CopyOrchestrator(counting, Options.Create(engine), _loggerFactory.CreateLogger<CopyOrchestrator>()),
            Engine = engine,
            Limiter = limiter,
            Progress = progress,
            Parallelism = parallelism,
            Checkpoint = checkpoint,
            Window = new RunWindow(_options.MaxWindow, checkpoint?.AfterSourceKey, new ReportTotals()),
            Placeholders = new TagPlaceholders(plan.Name, DateOnly.FromDateTime(startedAt.UtcDateTime), plan.Source.Bucket),
            Include = plan.Include.Select(p => new KeyPattern(p)).ToList(),
            Exclude = plan.Exclude.Select(p => new KeyPattern(p)).ToList(),
        };
    }

    private async Task ProduceAsync(RunState state, ChannelWriter<WorkItem> writer, CancellationToken cancellationToken)
    {
        var plan = state.Plan;
        var after = state.Checkpoint?.AfterSourceKey;
        var source = ListingDiff.ObjectsAsync(state.Client.ListObjectsV2PagesAsync(new ListObjectsV2Request
        {
            Bucket = plan.Source.Bucket, Prefix = NullIfEmpty(plan.Source.Prefix), StartAfter = after is null ? null : plan.Source.Prefix + after,
            MaxKeys = _options.ListPageSize,
        }, cancellationToken), cancellationToken);

        // The destination is listed only where a key range needs it, starting at that range.
        var destination = new DestinationCursor(startAfter => state.Client.ListObjectsV2PagesAsync(new ListObjectsV2Request
        {
            Bucket = plan.Destination.Bucket, Prefix = NullIfEmpty(plan.Destination.Prefix), StartAfter = startAfter, MaxKeys = _options.ListPageSize,
        }, cancellationToken), plan.Destination.Prefix);
        state.Ranges = new SyncRangeDiff(source, plan.Source.Prefix, destination, state.Trusted, after, _options.ListPageSize);

        try
        {
            await foreach (var entry in state.Ranges.JoinAsync(cancellationToken))
            {
                if (entry.Kind == DiffKind.ExtraInDestination)
                {
                    state.AddExtra();
                    continue;
                }

                state.Progress.OnListed();
                var slot = await state.Window.EmitAsync(entry.RelativeKey, cancellationToken);
                var src = entry.Source!;
                if (!state.Selected(entry.RelativeKey))
                {
                    Finish(state, slot, null, new ReportTotals { Listed = 1, Excluded = 1 }, src.Size, queued: false);
                }
                else if (entry.Kind is DiffKind.Unchanged or DiffKind.InSyncRange)
                {
                    var unchanged = Entry(state, entry, ReportAction.Unchanged, entry.Kind == DiffKind.Unchanged ? ReportReason.SameETag : ReportReason.InSyncRange);
                    await WriteAsync(state, unchanged, cancellationToken);
                    Finish(state, slot, unchanged, Totals(unchanged), src.Size, queued: false);
                }
                else
                {
                    if (state.StoredManifest is not null && !state.Run.DryRun)
                    {
                        await WithdrawSyncManifestAsync(state, entry.RelativeKey, cancellationToken);
                    }

                    state.Progress.OnQueued(src.Size);
                    await writer.WriteAsync(new WorkItem(slot, entry), cancellationToken);
                }
            }

            state.Progress.OnListingComplete();
        }
        finally
        {
            writer.TryComplete();
        }
    }

    private async Task WorkerAsync(RunState state, ChannelReader<WorkItem> reader, CancellationTokenSource stop)
    {
        var cancellationToken = stop.Token;
        try
        {
            await foreach (var item in reader.ReadAllAsync(cancellationToken))
            {
                var entry = await ProcessAsync(state, item.Diff, cancellationToken);
                await WriteAsync(state, entry, cancellationToken);
                Finish(state, item.Slot, entry, Totals(entry), entry.Size, queued: true);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A worker that cannot go on (the state store's disk is full, say) stops the run rather than leaving the
            // listing blocked on a queue nobody reads.
            await stop.CancelAsync();
            throw;
        }
    }

    /// <summary>One object that may need a copy: first make sure it really does, then copy it, retrying throttled copies at a lowered concurrency.</summary>
    private async Task<ReportEntry> ProcessAsync(RunState state, DiffEntry diff, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var lease = await state.Limiter.AcquireAsync(cancellationToken);
            state.Progress.SetConcurrency(state.Limiter.Limit);
            if (diff.Kind == DiffKind.ETagDiffers && await IsOurCopyAsync(state, diff, cancellationToken))
            {
                lease.Succeeded();
                return Entry(state, diff, ReportAction.Unchanged, ReportReason.CopiedBefore);
            }

            var reason = diff.Kind switch
            {
                DiffKind.Missing => ReportReason.Missing,
                DiffKind.SizeDiffers => ReportReason.SizeDiffers,
                _ => ReportReason.ETagDiffers,
            };
            if (state.Run.DryRun)
            {
                lease.Succeeded();
                return Entry(state, diff, ReportAction.WouldCopy, reason) with { Requests = EstimateRequests(state, diff.Source!.Size) };
            }

            var outcome = await CopyAsync(state, diff, cancellationToken);
            if (IsThrottled(outcome))
            {
                lease.Throttled();
                if (attempt < _options.ThrottleRetries)
                {
                    await Task.Delay(Backoff(attempt), _time, cancellationToken);
                    continue;
                }
            }
            else if (outcome.Status == CopyStatus.Copied)
            {
                lease.Succeeded();
            }

            if (outcome.Status == CopyStatus.Copied && !ETags.Equal(outcome.ETag, diff.Source!.ETag) && outcome.ETag is { } etag && diff.Source.ETag is { } sourceETag)
            {
                await _store.RecordLineageAsync(state.Plan.Name,
                    new CopyLineage(DestinationKey(state, diff), sourceETag, etag, diff.Source.Size, _time.GetUtcNow()), CancellationToken.None);
            }

            if (outcome.Status is not (CopyStatus.Copied or CopyStatus.Restoring or CopyStatus.Skipped))
            {
                CoreLog.ObjectFailed(_logger, state.Plan.Name, diff.Source!.Key, outcome.Error?.ToString() ?? outcome.Status.ToString());
            }

            return FromOutcome(state, diff, reason, outcome);
        }
    }

    /// <summary>
    /// Same size, other ETag: a multipart copy gives the destination an ETag of its own, so before copying again
    /// ask the state store, then the destination's <c>x-oss-meta-osscopy-source-etag</c>, whether it is our copy
    /// of this very source.
    /// </summary>
    private async Task<bool> IsOurCopyAsync(RunState state, DiffEntry diff, CancellationToken cancellationToken)
    {
        var destinationKey = DestinationKey(state, diff);
        var lineage = await _store.FindLineageAsync(state.Plan.Name, destinationKey, cancellationToken);
        if (lineage is not null && ETags.Equal(lineage.SourceETag, diff.Source!.ETag) && ETags.Equal(lineage.DestinationETag, diff.Destination!.ETag))
        {
            return true;
        }

        HeadObjectResult head;
        try
        {
            head = await state.Client.HeadObjectAsync(new HeadObjectRequest { Bucket = state.Plan.Destination.Bucket, Key = destinationKey }, cancellationToken);
        }
        catch (OssException)
        {
            // Gone (404) or unreadable: copying is then the safe answer, and the copy reports its own error if any.
            return false;
        }

        var recorded = head.Properties.Metadata.TryGetValue(CopyRequestValidator.SourceETagMetadata, out var value) ? value : null;
        if (!ETags.Equal(recorded, diff.Source!.ETag) || !ETags.Equal(head.Properties.ETag, diff.Destination!.ETag))
        {
            return false;
        }

        if (!state.Run.DryRun && diff.Source.ETag is { } sourceETag && diff.Destination.ETag is { } destinationETag)
        {
            // Remember it, so the next run needs no HEAD for this object.
            await _store.RecordLineageAsync(state.Plan.Name,
                new CopyLineage(destinationKey, sourceETag, destinationETag, diff.Source.Size, _time.GetUtcNow()), cancellationToken);
        }

        return true;
    }

    private static async Task<CopyOutcome> CopyAsync(RunState state, DiffEntry diff, CancellationToken cancellationToken)
    {
        var plan = state.Plan;
        var options = plan.Options ?? NoCopyOptions;
        var source = diff.Source!;
        var rule = FirstMatch(plan.TagRules, diff.RelativeKey, source.Size);
        var action = rule?.Action ?? TagAction.Copy;
        var tags = action == TagAction.Copy ? null : TagTemplate.Expand(rule!.Tagging, state.Placeholders, "tagging");
        var request = new CopyRequest
        {
            Bucket = plan.Destination.Bucket,
            Key = DestinationKey(state, diff),
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

        try
        {
            return await state.Orchestrator.CopyAsync(request, cancellationToken);
        }
        catch (CopyValidationException ex)
        {
            // A key that cannot be written under the destination prefix (too long, say) fails alone.
            return new CopyOutcome
            {
                Status = CopyStatus.Failed, Bucket = request.Bucket, Key = request.Key, SourceBucket = request.SourceBucket!, SourceKey = request.SourceKey,
                SourceSize = source.Size, SourceETag = source.ETag, Error = new CopyError(0, "InvalidRequest", ex.Message, null, null),
            };
        }
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

    private static int EstimateRequests(RunState state, long size)
    {
        var full = state.Engine.Verification == CopyVerification.Full ? 1 : 0;
        if (size < state.Engine.MultipartThreshold)
        {
            return state.Engine.Verification == CopyVerification.ETag ? 1 : 2 + full;
        }

        var partSize = state.Engine.PartSizeFor(size);
        var parts = (int)((size + partSize - 1) / partSize);
        return 1 + 1 + parts + 1 + full;
    }

    private static ReportEntry Entry(RunState state, DiffEntry diff, ReportAction action, ReportReason reason) => new()
    {
        Key = diff.Source!.Key,
        DestinationKey = DestinationKey(state, diff),
        Action = action,
        Reason = reason,
        Size = diff.Source.Size,
        SourceETag = diff.Source.ETag,
        ETag = action == ReportAction.Unchanged ? diff.Destination?.ETag : null,
    };

    /// <summary>The report line of a copy attempt, made once with every field (this runs for every object copied).</summary>
    private static ReportEntry FromOutcome(RunState state, DiffEntry diff, ReportReason reason, CopyOutcome outcome)
    {
        var copied = outcome.Strategy != CopyStrategy.None;
        return new ReportEntry
        {
            Key = diff.Source!.Key,
            DestinationKey = DestinationKey(state, diff),
            Action = outcome.Status switch
            {
                CopyStatus.Copied => ReportAction.Copied,
                CopyStatus.SourceChanged => ReportAction.SourceChanged,
                CopyStatus.Restoring => ReportAction.Restoring,
                CopyStatus.Skipped => ReportAction.Skipped,
                _ => ReportAction.Failed,
            },
            Reason = outcome.SkipReason == CopySkipReason.Archived ? ReportReason.Archived : reason,
            StorageClass = outcome.SourceStorageClass,
            Restore = outcome.RestoreRequested ? "requested" : outcome.SourceRestore,
            Size = diff.Source.Size,
            SourceETag = diff.Source.ETag,
            Strategy = copied ? outcome.Strategy.ToString() : null,
            Verified = copied ? outcome.Verified : null,
            StatusCode = outcome.StatusCode == 0 ? null : outcome.StatusCode,
            RequestId = outcome.RequestId,
            ETag = outcome.ETag,
            VersionId = outcome.VersionId,
            SourceVersionId = outcome.SourceVersionId,
            HashCrc64 = outcome.HashCrc64?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ErrorCode = outcome.Error?.Code,
            ErrorMessage = outcome.Error?.Message,
            Ec = outcome.Error?.Ec,
            DurationMs = Math.Round(outcome.Duration.TotalMilliseconds, 1),
        };
    }

    private static ReportTotals Totals(ReportEntry entry) => entry.Action switch
    {
        ReportAction.Copied => new() { Listed = 1, Copied = 1, CopiedBytes = entry.Size },
        ReportAction.Unchanged => new() { Listed = 1, Unchanged = 1, UnchangedBytes = entry.Size },
        ReportAction.WouldCopy => new() { Listed = 1, WouldCopy = 1, WouldCopyBytes = entry.Size, WouldCopyRequests = entry.Requests ?? 0 },
        ReportAction.SourceChanged => new() { Listed = 1, SourceChanged = 1 },
        ReportAction.Restoring => new() { Listed = 1, Restoring = 1 },
        ReportAction.Skipped => new() { Listed = 1, Skipped = 1 },
        _ => new() { Listed = 1, Failed = 1 },
    };

    private static void Finish(RunState state, RunWindow.Slot slot, ReportEntry? entry, ReportTotals delta, long size, bool queued)
    {
        state.Add(delta, entry);
        state.Window.Complete(slot, delta);
        state.Progress.OnFinished(entry?.Action, size, queued);
    }

    private static ValueTask WriteAsync(RunState state, ReportEntry entry, CancellationToken cancellationToken) =>
        state.Run.Report?.WriteAsync(entry, cancellationToken) ?? ValueTask.CompletedTask;

    private async Task CheckpointLoopAsync(RunState state, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.CheckpointInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                await SaveCheckpointAsync(state, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run ended; the final checkpoint is written (or deleted) by the run itself.
        }
    }

    private Task SaveCheckpointAsync(RunState state, CancellationToken cancellationToken)
    {
        var (watermark, committed) = state.Window.Snapshot();
        if (watermark is null)
        {
            return Task.CompletedTask;
        }

        var previous = state.Checkpoint?.Totals ?? new ReportTotals();
        return _store.SaveCheckpointAsync(state.Plan.Name,
            new BackupCheckpoint(state.RunId, state.Fingerprint, watermark, state.OriginalStart, _time.GetUtcNow(), previous + committed), cancellationToken);
    }

    /// <summary>
    /// The plan's sync manifest, when it was written for this very plan, and the ranges this run may trust: none when
    /// a full reconcile is asked for or due.
    /// </summary>
    private async Task<(SyncManifest? Stored, SyncManifest? Manifest, IReadOnlyList<SyncRange> Trusted)> LoadSyncManifestAsync(
        BackupPlan plan, BackupRunOptions run, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var manifest = await _store.LoadSyncManifestAsync(plan.Name, cancellationToken);
        if (manifest?.Ranges is null)
        {
            // None, or one without ranges (hand-edited, foreign): it vouches for nothing, so there is nothing to withdraw.
            return (null, null, []);
        }

        if (manifest.Fingerprint != SyncFingerprint(plan) || !manifest.IsWellFormed())
        {
            return (manifest, null, []);
        }

        var due = run.FullReconcile || _options.FullReconcileInterval == TimeSpan.Zero
                  || manifest.LastFullReconcile is not { } last || now - last >= _options.FullReconcileInterval;
        return (manifest, manifest, due ? [] : manifest.Ranges);
    }

    /// <summary>
    /// Before the run's first copy, the stored manifest stops vouching for that key and every later one. Otherwise a
    /// run that copies and then stops (cancelled, crashed) would leave a manifest that trusts ranges whose destination
    /// it changed: were the source to go back to exactly what the manifest hashed, the next run would skip them. One
    /// write per run; a resumed run lists the destination from there on, as runs did before manifests.
    /// </summary>
    private async Task WithdrawSyncManifestAsync(RunState state, string firstCopied, CancellationToken cancellationToken)
    {
        var stored = state.StoredManifest!;
        state.StoredManifest = null;
        var kept = state.Manifest is null ? [] : stored.Ranges.Where(r => Utf8Ordinal.Instance.Compare(r.Last, firstCopied) < 0).ToList();
        if (kept.Count < stored.Ranges.Count)
        {
            await _store.SaveSyncManifestAsync(state.Plan.Name, stored with { Ranges = kept, SavedAt = _time.GetUtcNow() }, cancellationToken);
        }
    }

    /// <summary>
    /// Records the ranges of a completed run for the next one, leaving out every range that holds an object that
    /// failed or changed while copied (all of them when there were too many failures to know which).
    /// </summary>
    private async Task SaveSyncManifestAsync(RunState state, CopyReport final, CancellationToken cancellationToken)
    {
        if (state.Ranges is not { } diff)
        {
            return;
        }

        var ranges = diff.Recorded;
        if (final.Failures.Count >= CopyReport.MaxFailuresKept || final.Pending.Count >= CopyReport.MaxFailuresKept)
        {
            ranges = [];
        }
        else if (final.Failures.Count > 0 || final.Pending.Count > 0)
        {
            // Objects still restoring or skipped as archived are not in the destination: their ranges must be looked at again.
            var prefix = state.Plan.Source.Prefix;
            var failed = final.Failures.Concat(final.Pending).Select(f => f.Key[prefix.Length..]).Order(Utf8Ordinal.Instance).ToList();
            ranges = ranges.Where(r => !ContainsAny(r, failed)).ToList();
        }

        // A run that compared every range from the first key on listed the destination over the whole plan.
        var lastFull = final.FullReconcile ? state.StartedAt : state.Manifest?.LastFullReconcile;
        await _store.SaveSyncManifestAsync(state.Plan.Name,
            new SyncManifest(SyncFingerprint(state.Plan), lastFull, _time.GetUtcNow(), ranges), cancellationToken);
    }

    private static bool ContainsAny(SyncRange range, List<string> sortedKeys)
    {
        var comparer = Utf8Ordinal.Instance;
        var index = range.After is null ? 0 : sortedKeys.BinarySearch(range.After, comparer);
        index = index < 0 ? ~index : range.After is null ? 0 : index + 1;
        return index < sortedKeys.Count && comparer.Compare(sortedKeys[index], range.Last) <= 0;
    }

    private static string DestinationKey(RunState state, DiffEntry diff) => state.Plan.Destination.Prefix + diff.RelativeKey;

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    /// <summary>What a checkpoint is valid for: the same buckets, prefixes and selection.</summary>
    private static string Fingerprint(BackupPlan plan)
    {
        var shape = JsonSerializer.Serialize(new
        {
            s = plan.Source.Bucket, sp = plan.Source.Prefix, d = plan.Destination.Bucket, dp = plan.Destination.Prefix, i = plan.Include, e = plan.Exclude,
        });
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(shape)))[..16];
    }

    /// <summary>
    /// What a sync manifest is valid for: everything that decides what the destination should hold (buckets,
    /// prefixes, selection, copy options, tag rules, endpoint), unlike the checkpoint's which only guards the position.
    /// Parallelism is left out: it changes how fast, not what.
    /// </summary>
    internal static string SyncFingerprint(BackupPlan plan)
    {
        var options = plan.Options ?? new BackupCopyOptions();
        var shape = JsonSerializer.Serialize(new
        {
            v = 1,
            s = plan.Source.Bucket, sp = plan.Source.Prefix, d = plan.Destination.Bucket, dp = plan.Destination.Prefix, i = plan.Include, e = plan.Exclude,
            o = new
            {
                options.StorageClass, options.ObjectAcl, options.ServerSideEncryption, options.ServerSideDataEncryption, options.ServerSideEncryptionKeyId,
                options.ForbidOverwrite, options.Verification,
            },
            t = plan.TagRules.Select(r => new { r.Prefix, r.Suffix, r.MinSize, r.MaxSize, r.Action, r.Tagging }),
            c = plan.Oss is null ? null : new { plan.Oss.Region, plan.Oss.Endpoint },
        });
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(shape)))[..32];
    }

    // A class on purpose: a struct would spare 40 bytes per object but give the channel a value-type instantiation of
    // its own, code the JIT compiles (three times over, with tiered PGO) instead of sharing the reference-type one.
    private sealed record WorkItem(RunWindow.Slot Slot, DiffEntry Diff);

    /// <summary>Everything one run shares between its producer and workers.</summary>
    private sealed class RunState
    {
        private readonly object _gate = new();
        private readonly List<ReportEntry> _failures = [];
        private readonly List<ReportEntry> _pending = [];

        // Added to in place under the lock: adding records made a new ReportTotals per object.
        private readonly TotalsAccumulator _totals = new();

        public required BackupPlan Plan { get; init; }

        public required BackupRunOptions Run { get; init; }

        public required string RunId { get; init; }

        public required string Fingerprint { get; init; }

        public required DateTimeOffset StartedAt { get; init; }

        public required DateTimeOffset OriginalStart { get; init; }

        public required Stopwatch Stopwatch { get; init; }

        public required CountingOssClient Client { get; init; }

        public required CopyOrchestrator Orchestrator { get; init; }

        public required CopyEngineOptions Engine { get; init; }

        public required AdaptiveConcurrencyLimiter Limiter { get; init; }

        public required BackupProgress Progress { get; init; }

        public required int Parallelism { get; init; }

        public required BackupCheckpoint? Checkpoint { get; init; }

        /// <summary>The manifest as stored, whatever plan wrote it, until the run's first copy withdraws what it no longer vouches for.</summary>
        public SyncManifest? StoredManifest { get; set; }

        /// <summary>The plan's sync manifest, when valid for this plan (trusted or not).</summary>
        public required SyncManifest? Manifest { get; init; }

        /// <summary>The manifest's ranges this run may report without listing the destination (none in a full reconcile).</summary>
        public required IReadOnlyList<SyncRange> Trusted { get; init; }

        /// <summary>The range-by-range join, once the listing started: its counts and the ranges to record.</summary>
        public SyncRangeDiff? Ranges { get; set; }

        public required RunWindow Window { get; init; }

        public required TagPlaceholders Placeholders { get; init; }

        public required List<KeyPattern> Include { get; init; }

        public required List<KeyPattern> Exclude { get; init; }

        public bool Selected(string relativeKey) => (Include.Count == 0 || AnyMatch(Include, relativeKey)) && !AnyMatch(Exclude, relativeKey);

        private static bool AnyMatch(List<KeyPattern> patterns, string relativeKey)
        {
            foreach (var pattern in patterns)
            {
                if (pattern.IsMatch(relativeKey))
                {
                    return true;
                }
            }

            return false;
        }

        public void Add(ReportTotals delta, ReportEntry? entry)
        {
            lock (_gate)
            {
                _totals.Add(delta);
                if (entry is { Action: ReportAction.Failed or ReportAction.SourceChanged } && _failures.Count < CopyReport.MaxFailuresKept)
                {
                    _failures.Add(entry);
                }
                else if (entry is { Action: ReportAction.Restoring or ReportAction.Skipped } && _pending.Count < CopyReport.MaxFailuresKept)
                {
                    _pending.Add(entry);
                }
            }
        }

        public void AddExtra()
        {
            lock (_gate)
            {
                _totals.Add(ExtraOne);
            }
        }

        private static readonly ReportTotals ExtraOne = new() { ExtraInDestination = 1 };

        public CopyReport Header() => new()
        {
            Plan = Plan.Name,
            RunId = RunId,
            DryRun = Run.DryRun,
            Status = "Running",
            Source = $"oss://{Plan.Source.Bucket}/{Plan.Source.Prefix}",
            Destination = $"oss://{Plan.Destination.Bucket}/{Plan.Destination.Prefix}",
            Verification = Engine.Verification,
            StartedAt = StartedAt,
            ResumedAfter = Checkpoint?.AfterSourceKey,
            Totals = new ReportTotals(),
        };

        public CopyReport Report(string status, DateTimeOffset finishedAt)
        {
            lock (_gate)
            {
                var previous = Checkpoint?.Totals;
                var totals = _totals.ToTotals();
                return Header() with
                {
                    Status = status,
                    FinishedAt = finishedAt,
                    DurationSeconds = Math.Round(Stopwatch.Elapsed.TotalSeconds, 3),
                    Totals = previous is null ? totals : previous + totals,
                    PreviousTotals = previous,
                    Requests = Client.Snapshot(),
                    FinalConcurrency = Limiter.Limit,
                    ConcurrencyDecreases = Limiter.Decreases,
                    LowestConcurrency = Limiter.Lowest,
                    Failures = _failures.ToList(),
                    Pending = _pending.ToList(),
                };
            }
        }
    }
}
