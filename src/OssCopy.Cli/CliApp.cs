using System.CommandLine;
using System.CommandLine.Help;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OssCopy.Core;
using OssCopy.Core.Backup;
using OssCopy.Core.Copying;
using OssCopy.Core.State;
using OssCopy.Oss;
using OssCopy.Oss.Http;
using OssCopy.Oss.Signing;

namespace OssCopy.Cli;

/// <summary>
/// <c>osscopy</c>: <c>copy</c> one object or run a <c>backup</c> plan through the engine. Exit codes: 0 all done,
/// 1 some objects (or the run) failed, 2 bad usage or bad input (reported before any OSS request), 3 nothing failed
/// but archived sources are still being restored (run again once they are).
/// </summary>
public sealed partial class CliApp(CliEnvironment env)
{
    public const int Success = 0;
    public const int SomeFailed = 1;
    public const int BadUsage = 2;

    /// <summary>Nothing failed, but archived sources are being restored: the copy or backup is not complete yet.</summary>
    public const int Restoring = 3;

    private readonly CliEnvironment _env = env ?? throw new ArgumentNullException(nameof(env));

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var root = BuildRoot();
        var parse = root.Parse(args);
        var invocation = new InvocationConfiguration { Output = _env.Out, Error = _env.Error, EnableDefaultExceptionHandler = false };
        if (parse.Action is not HelpAction && parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await _env.Error.WriteLineAsync(error.Message);
            }

            var command = parse.CommandResult.Command;
            await _env.Error.WriteLineAsync($"Try 'osscopy {(command is RootCommand ? string.Empty : command.Name + " ")}--help'.");
            return BadUsage;
        }

        try
        {
            return await parse.InvokeAsync(invocation, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or HttpRequestException or OssException or InvalidOperationException
                                   or Azure.RequestFailedException or AggregateException { InnerException: Azure.RequestFailedException })
        {
            // A disk that will not take the report, an endpoint or a storage account (--distributed) that cannot be
            // reached (the Azure SDK's retries end in an AggregateException of its attempts): say what, not a stack trace.
            await _env.Error.WriteLineAsync($"osscopy: {ex.Message}");
            return SomeFailed;
        }
    }

    internal RootCommand BuildRoot()
    {
        var root = new RootCommand("osscopy: copy Alibaba Cloud OSS objects and run backup plans, verified and incremental.")
        {
            CopyCommand(),
            BackupCommand(),
            WorkerCommand(),
        };
        return root;
    }

    private Command CopyCommand()
    {
        var region = new Option<string>("--region") { Description = "The region of the buckets, e.g. cn-hangzhou.", Required = true };
        var bucket = new Option<string>("--bucket") { Description = "The destination bucket.", Required = true };
        var key = new Option<string>("--key") { Description = "The destination object key.", Required = true };
        var sourceBucket = new Option<string>("--source-bucket", "--source_bucket") { Description = "The source bucket.", Required = true };
        var sourceKey = new Option<string>("--source-key", "--source_key") { Description = "The source object key.", Required = true };
        var endpoint = new Option<string?>("--endpoint") { Description = "The endpoint: a host or a URL (http://127.0.0.1:9000 for LocalOss)." };
        var forbid = new Option<bool>("--forbid-overwrite") { Description = "Fail instead of overwriting an existing destination." };
        var tagging = new Option<string?>("--tagging") { Description = "Tags for the destination, \"A=1&B=2\" (with --tagging-directive Replace)." };
        var taggingDirective = new Option<string?>("--tagging-directive") { Description = "Copy (the source's tags, default) or Replace (--tagging)." };
        var versionId = new Option<string?>("--version-id") { Description = "Copy this version of the source." };
        var metadataDirective = new Option<string?>("--metadata-directive") { Description = "Copy (the source's metadata, default) or Replace (--metadata, --content-type)." };
        var metadata = new Option<string[]>("--metadata") { Description = "User metadata name=value, repeatable (with --metadata-directive Replace).", AllowMultipleArgumentsPerToken = false };
        var contentType = new Option<string?>("--content-type") { Description = "Content-Type of the destination (with --metadata-directive Replace)." };
        var storageClass = new Option<string?>("--storage-class") { Description = "Standard, IA, Archive, ColdArchive or DeepColdArchive." };
        var acl = new Option<string?>("--acl") { Description = "default, private, public-read or public-read-write." };
        var sse = new Option<string?>("--sse") { Description = "Server-side encryption of the destination: AES256, KMS (or SM4)." };
        var sseKeyId = new Option<string?>("--sse-key-id") { Description = "The KMS key id (with --sse KMS)." };
        var sseData = new Option<string?>("--sse-data-encryption") { Description = "SM4 (with --sse KMS)." };
        var pathStyle = new Option<bool>("--path-style") { Description = "Address buckets as /bucket/key (forced for IP endpoints)." };
        var signature = new Option<string?>("--signature-version") { Description = "V4 (default) or V1." };
        var verify = new Option<string?>("--verify")
        {
            Description = "full (default: HEAD and compare size, CRC-64, metadata, tags), crc (the copy answer's CRC-64) or etag (the answer's ETag is the one the copy was pinned to).",
        };
        var json = new Option<bool>("--json") { Description = "Print the outcome as JSON." };
        var (archived, restoreDays, restoreTier) = ArchivedOptions();

        var command = new Command("copy", "Copy one object (CopyObject, or a multipart copy for sources of 5 GiB or more), pinned to the source's ETag and verified.")
        {
            region, bucket, key, sourceBucket, sourceKey, endpoint, forbid, tagging, taggingDirective, versionId, metadataDirective, metadata, contentType,
            storageClass, acl, sse, sseKeyId, sseData, pathStyle, signature, verify, json, archived, restoreDays, restoreTier,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var metadataPairs = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var pair in parse.GetValue(metadata) ?? [])
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    return await UsageAsync($"--metadata: '{pair}' is not name=value.");
                }

                metadataPairs[pair[..eq]] = pair[(eq + 1)..];
            }

            if (!TryVerification(parse.GetValue(verify), out var verification))
            {
                return await UsageAsync($"--verify: '{parse.GetValue(verify)}' is not full, crc or etag.");
            }

            var request = new CopyRequest
            {
                Bucket = parse.GetValue(bucket)!,
                Key = parse.GetValue(key)!,
                SourceBucket = parse.GetValue(sourceBucket),
                SourceKey = parse.GetValue(sourceKey)!,
                SourceVersionId = parse.GetValue(versionId),
                ForbidOverwrite = parse.GetValue(forbid),
                Tagging = parse.GetValue(tagging),
                TaggingDirective = parse.GetValue(taggingDirective),
                MetadataDirective = parse.GetValue(metadataDirective),
                Metadata = metadataPairs.Count == 0 ? null : metadataPairs,
                ContentType = parse.GetValue(contentType),
                StorageClass = parse.GetValue(storageClass),
                ObjectAcl = parse.GetValue(acl),
                ServerSideEncryption = parse.GetValue(sse),
                ServerSideEncryptionKeyId = parse.GetValue(sseKeyId),
                ServerSideDataEncryption = parse.GetValue(sseData),
                Archived = parse.GetValue(archived),
                RestoreDays = parse.GetValue(restoreDays),
                RestoreTier = parse.GetValue(restoreTier),
            };
            var connection = new PlanConnection
            {
                Region = parse.GetValue(region), Endpoint = parse.GetValue(endpoint), UsePathStyle = parse.GetValue(pathStyle), SignatureVersion = parse.GetValue(signature),
            };
            return await CopyAsync(request, connection, verification, parse.GetValue(json), cancellationToken);
        });
        return command;
    }

    private Command BackupCommand()
    {
        var plan = new Option<FileInfo>("--plan") { Description = "The plan file (JSON).", Required = true };
        var dryRun = new Option<bool>("--dry-run") { Description = "Compare only: report what would be copied, with object, byte and request counts." };
        var parallel = new Option<int?>("--parallel") { Description = "Most copies at once (throttling lowers it on its own)." };
        var reportPath = new Option<FileInfo?>("--report") { Description = "Write the JSON report (every object, totals, requests) here." };
        var stateDir = new Option<DirectoryInfo?>("--state-dir") { Description = "Where checkpoints and copy lineage are kept (default .osscopy/state)." };
        var restart = new Option<bool>("--restart") { Description = "Ignore a checkpoint of a stopped run and start from the beginning." };
        var fullReconcile = new Option<bool>("--full-reconcile")
        {
            Description = "List the destination everywhere, even in key ranges the last runs found in sync (catches changes made in the destination).",
        };
        var region = new Option<string?>("--region") { Description = "Overrides the plan's oss.region." };
        var endpoint = new Option<string?>("--endpoint") { Description = "Overrides the plan's oss.endpoint." };
        var pathStyle = new Option<bool>("--path-style") { Description = "Address buckets as /bucket/key." };
        var verify = new Option<string?>("--verify")
        {
            Description = "Overrides the plan's verification: etag (default: the copy answer's ETag is the listed one the copy was pinned to), crc (the answer's CRC-64 against a HEAD of the source) or full (also HEAD the destination: metadata, headers, tags).",
        };

        var (archived, restoreDays, restoreTier) = ArchivedOptions();
        var (distributed, storage, workers, keyRanges) = DistributedOptions();

        var command = new Command("backup", "Run a backup plan: copy what is missing or changed, never delete, resume where a stopped run left off.")
        {
            plan, dryRun, parallel, reportPath, stateDir, restart, fullReconcile, region, endpoint, pathStyle, verify, archived, restoreDays, restoreTier,
            distributed, storage, workers, keyRanges,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(parallel) is < 1 or > 1024)
            {
                return await UsageAsync("--parallel: must be between 1 and 1024.");
            }

            if (!TryVerification(parse.GetValue(verify), out var verification))
            {
                return await UsageAsync($"--verify: '{parse.GetValue(verify)}' is not etag, crc or full.");
            }

            return await BackupAsync(new BackupArguments(
                parse.GetValue(plan)!, parse.GetValue(dryRun), parse.GetValue(parallel), parse.GetValue(reportPath), parse.GetValue(stateDir), parse.GetValue(restart),
                parse.GetValue(fullReconcile), parse.GetValue(region), parse.GetValue(endpoint), parse.GetValue(pathStyle),
                parse.GetValue(verify) is null ? null : verification,
                new ArchivedOverrides(parse.GetValue(archived), parse.GetValue(restoreDays), parse.GetValue(restoreTier)),
                DistributedArgumentsFrom(parse, distributed, storage, workers, keyRanges)), cancellationToken);
        });
        return command;
    }

    private async Task<int> CopyAsync(CopyRequest request, PlanConnection connection, CopyVerification verification, bool asJson, CancellationToken cancellationToken)
    {
        var errors = CopyRequestValidator.Validate(request).Select(e => $"{FlagOf(e.Field)}: {e.Message}").ToList();
        var (client, connectionErrors) = Connect(connection);
        errors.AddRange(connectionErrors);
        if (errors.Count > 0 || client is null)
        {
            return await UsageAsync(errors.ToArray());
        }

        await using var services = BuildServices(client, null, new() { [$"{CopyEngineOptions.SectionName}:{nameof(CopyEngineOptions.Verification)}"] = verification.ToString() });
        var orchestrator = services.GetRequiredService<CopyOrchestrator>();
        var outcome = await orchestrator.CopyAsync(request, cancellationToken);
        if (asJson)
        {
            await _env.Out.WriteLineAsync(JsonSerializer.Serialize(outcome, ReportJson.Options));
        }
        else
        {
            await OutcomePrinter.PrintAsync(_env.Out, _env.Error, outcome);
        }

        return outcome.Status switch
        {
            CopyStatus.Copied or CopyStatus.Skipped => Success,
            CopyStatus.Restoring => Restoring,
            _ => SomeFailed,
        };
    }

    private async Task<int> BackupAsync(BackupArguments args, CancellationToken cancellationToken)
    {
        BackupPlan plan;
        try
        {
            plan = await BackupPlanLoader.LoadFileAsync(args.Plan.FullName, cancellationToken);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            return await UsageAsync($"--plan: {ex.Message}");
        }
        catch (CopyValidationException ex)
        {
            return await UsageAsync(ex.Errors.Select(e => $"{args.Plan.Name}: {e.Field}: {e.Message}").ToArray());
        }

        if (ApplyArchivedOverrides(plan, args.Archived) is { Length: > 0 } overrideErrors)
        {
            return await UsageAsync(overrideErrors);
        }

        var connection = new PlanConnection
        {
            Region = args.Region ?? plan.Oss?.Region,
            Endpoint = args.Endpoint ?? plan.Oss?.Endpoint,
            UsePathStyle = args.PathStyle || (plan.Oss?.UsePathStyle ?? false),
            SignatureVersion = plan.Oss?.SignatureVersion,
        };

        // The run's sync manifest is tied to where the plan ran: a plan pointed elsewhere by --region or --endpoint
        // must not trust ranges it found in sync on another server.
        plan.Oss = connection;

        // Every throttled attempt, even one the client retries and wins, lowers the run's concurrency.
        var throttling = new ThrottleSignal();
        var (client, errors) = Connect(connection, new ThrottleSignalHandler(throttling, OssClient.CreatePrimaryHandler()));
        if (client is null)
        {
            return await UsageAsync(errors.ToArray());
        }

        if (args.Distributed is { } distributedRun)
        {
            return await DistributedBackupAsync(plan, client, throttling, args.Report, args.FullReconcile, args.Verification, args.DryRun, distributedRun, cancellationToken);
        }

        using var store = args.DryRun ? null : new FileCopyStateStore(args.StateDir?.FullName ?? Path.Combine(".osscopy", "state"));
        await using var services = BuildServices(client, throttling, [], store);
        var runner = services.GetRequiredService<BackupRunner>();
        await using var sink = args.Report is null ? null : new JsonReportWriter(args.Report.FullName);
        var progress = new BackupProgress();
        var display = new ProgressDisplay(_env, progress, plan, args.DryRun);
        try
        {
            var report = await display.RunAsync(() => runner.RunAsync(plan, new BackupRunOptions
            {
                DryRun = args.DryRun, Parallelism = args.Parallel, Resume = !args.Restart, FullReconcile = args.FullReconcile, Report = sink, Progress = progress,
                Verification = args.Verification,
            }, cancellationToken));
            SummaryPrinter.Print(_env.Console, report, args.Report?.FullName);
            return report.HasFailures ? SomeFailed : report.HasRestoring ? Restoring : Success;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await _env.Error.WriteLineAsync("Stopped. The position is saved: run the same command again to continue where it stopped.");
            return SomeFailed;
        }
        catch (OssException ex)
        {
            await _env.Error.WriteLineAsync($"The plan could not run: {ex.ErrorCode} (HTTP {ex.StatusCode}): {ex.ErrorMessage} RequestId: {ex.RequestId ?? "none"}");
            return SomeFailed;
        }
    }

    /// <summary>
    /// The engine as every host composes it (<see cref="CoreServiceCollectionExtensions.AddOssCopyEngine"/>), over the
    /// client made from the flags, with the flags' settings as configuration: options are bound and validated the
    /// same way as in the functions.
    /// </summary>
    private static ServiceProvider BuildServices(IOssClient client, ThrottleSignal? throttling, Dictionary<string, string?> settings, ICopyStateStore? store = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton(client);
        services.AddOssRequestCounting();
        if (throttling is not null)
        {
            services.AddSingleton(throttling);
        }

        if (store is not null)
        {
            services.AddSingleton(store);
        }

        services.AddOssCopyEngine(configuration);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }

    /// <summary>Options, credentials and a client, or the problems with them (before any request).</summary>
    private (IOssClient? Client, List<string> Errors) Connect(PlanConnection connection, HttpMessageHandler? handler = null)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(connection.Region))
        {
            errors.Add("--region: the region is required (or oss.region in the plan).");
        }

        var version = OssSignatureVersion.V4;
        if (connection.SignatureVersion is { } v && !TryName(v, out version))
        {
            errors.Add($"--signature-version: '{v}' is not V4 or V1.");
        }

        var options = new OssClientOptions
        {
            Region = connection.Region ?? string.Empty, Endpoint = connection.Endpoint, UsePathStyle = connection.UsePathStyle, SignatureVersion = version,
        };
        if (errors.Count == 0)
        {
            var results = new List<ValidationResult>();
            if (!Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
            {
                errors.AddRange(results.Select(r => $"--{Kebab(r.MemberNames.FirstOrDefault() ?? "option")}: {r.ErrorMessage}"));
            }
        }

        var (credentials, credentialProblems) = CliCredentials.Resolve(_env.GetVariable, options.Region);
        errors.AddRange(credentialProblems);
        if (errors.Count > 0 || credentials is null)
        {
            return (null, errors);
        }

        return (_env.CreateClient(options, credentials, handler), errors);
    }

    private async Task<int> UsageAsync(params string[] messages)
    {
        foreach (var message in messages)
        {
            await _env.Error.WriteLineAsync(message);
        }

        return BadUsage;
    }

    private static bool TryVerification(string? value, out CopyVerification verification)
    {
        verification = CopyVerification.Full;
        return value is null || TryName(value, out verification);
    }

    /// <summary>An enum value by its name only: Enum.TryParse also takes numbers ("0", "7"), which no flag documents.</summary>
    private static bool TryName<TEnum>(string value, out TEnum result)
        where TEnum : struct, Enum
    {
        result = default;
        return Enum.GetNames<TEnum>().Any(n => string.Equals(n, value, StringComparison.OrdinalIgnoreCase))
            && Enum.TryParse(value, ignoreCase: true, out result);
    }

    /// <summary>The engine names request properties; a CLI user knows flags.</summary>
    internal static string FlagOf(string field) => field switch
    {
        nameof(CopyRequest.SourceVersionId) => "--version-id",
        nameof(CopyRequest.ServerSideEncryption) => "--sse",
        nameof(CopyRequest.ServerSideEncryptionKeyId) => "--sse-key-id",
        nameof(CopyRequest.ServerSideDataEncryption) => "--sse-data-encryption",
        nameof(CopyRequest.ObjectAcl) => "--acl",
        _ => "--" + Kebab(field),
    };

    private static string Kebab(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "-" : string.Empty) + char.ToLower(c, CultureInfo.InvariantCulture) : c.ToString()));

    private sealed record BackupArguments(
        FileInfo Plan, bool DryRun, int? Parallel, FileInfo? Report, DirectoryInfo? StateDir, bool Restart, bool FullReconcile, string? Region, string? Endpoint,
        bool PathStyle, CopyVerification? Verification, ArchivedOverrides Archived, DistributedArguments? Distributed = null);

    /// <summary>The archived-source flags, shared by <c>copy</c> and <c>backup</c>.</summary>
    private static (Option<string?> Archived, Option<int?> RestoreDays, Option<string?> RestoreTier) ArchivedOptions() =>
    (
        new Option<string?>("--archived")
        {
            Description = "Archived sources (Archive, ColdArchive, DeepColdArchive) that are not restored: fail (default: OSS refuses the copy, 403 " +
                          "InvalidObjectState), skip (nothing sent, reported Skipped) or restore (RestoreObject, reported Restoring, exit 3; run again once restored).",
        },
        new Option<int?>("--restore-days") { Description = "With --archived restore: days the restored copy stays readable (default 1; Archive at most 7)." },
        new Option<string?>("--restore-tier") { Description = "With --archived restore: Expedited, Standard or Bulk (ColdArchive and DeepColdArchive only)." });

    /// <summary>Puts <c>--archived</c>, <c>--restore-days</c> and <c>--restore-tier</c> over the plan's options, then checks them as the plan is checked.</summary>
    private static string[] ApplyArchivedOverrides(BackupPlan plan, ArchivedOverrides overrides)
    {
        if (overrides.Archived is null && overrides.RestoreDays is null && overrides.RestoreTier is null)
        {
            return [];
        }

        plan.Options ??= new BackupCopyOptions();
        plan.Options.Archived = overrides.Archived ?? plan.Options.Archived;
        plan.Options.RestoreDays = overrides.RestoreDays ?? plan.Options.RestoreDays;
        plan.Options.RestoreTier = overrides.RestoreTier ?? plan.Options.RestoreTier;
        return BackupPlanLoader.Validate(plan)
            .Select(e => e.Field switch
            {
                "options.archived" when overrides.Archived is not null => $"--archived: {e.Message}",
                "options.restoreDays" when overrides.RestoreDays is not null => $"--restore-days: {e.Message}",
                "options.restoreTier" when overrides.RestoreTier is not null => $"--restore-tier: {e.Message}",
                _ => $"{e.Field}: {e.Message}",
            })
            .ToArray();
    }

    private sealed record ArchivedOverrides(string? Archived, int? RestoreDays, string? RestoreTier);
}
