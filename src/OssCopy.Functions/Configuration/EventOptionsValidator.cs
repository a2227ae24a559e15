using Microsoft.Extensions.Options;
using OssCopy.Core.Copying;
using OssCopy.Oss;

namespace OssCopy.Functions.Configuration;

/// <summary>
/// Checks the event settings at start, naming each setting by its configuration path (<c>Events:Routes:1:SourceBucket</c>).
/// Routes that would feed each other are refused: a copy is itself an <c>ObjectCreated</c> event, so a destination
/// that another route (or the same one) reads from would copy forever.
/// </summary>
public sealed class EventOptionsValidator : IValidateOptions<EventOptions>
{
    private const string Section = EventOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, EventOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        for (var i = 0; i < options.Routes.Count; i++)
        {
            ValidateRoute(errors, $"{Section}:Routes:{i}", options.Routes[i]);
        }

        if (errors.Count == 0)
        {
            ValidateNoFeedback(errors, options.Routes);
        }

        ValidateEventBridge(errors, options.EventBridge);
        ValidateMns(errors, options.Mns);
        if (options.MaxBodyBytes is < 1024 or > 4 * 1024 * 1024)
        {
            errors.Add($"{Section}:MaxBodyBytes must be between 1024 and 4194304 bytes, not {options.MaxBodyBytes}.");
        }

        if (options.DeduplicationWindow < TimeSpan.FromMinutes(1) || options.DeduplicationWindow > TimeSpan.FromDays(7))
        {
            errors.Add($"{Section}:DeduplicationWindow must be between 1 minute and 7 days.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void ValidateRoute(List<string> errors, string path, EventRouteOptions route)
    {
        Check(errors, $"{path}:SourceBucket", () => OssValidation.BucketName(route.SourceBucket, nameof(route.SourceBucket)));
        Check(errors, $"{path}:DestinationBucket", () => OssValidation.BucketName(route.DestinationBucket, nameof(route.DestinationBucket)));
        CheckPrefix(errors, $"{path}:SourcePrefix", route.SourcePrefix);
        CheckPrefix(errors, $"{path}:DestinationPrefix", route.DestinationPrefix);
        if (route.Tagging is not null)
        {
            Check(errors, $"{path}:Tagging", () => OssTagging.Parse(route.Tagging, nameof(route.Tagging)));
        }

        var directive = Check(errors, $"{path}:TaggingDirective",
            () => OssValidation.OneOf(route.TaggingDirective, CopyTaggingDirective.All, nameof(route.TaggingDirective)));
        if (route.Tagging is not null && string.Equals(directive, CopyTaggingDirective.Copy, StringComparison.Ordinal))
        {
            errors.Add($"{path}:Tagging is ignored with TaggingDirective Copy: use Replace or Merge.");
        }

        if (route.StorageClass is not null)
        {
            Check(errors, $"{path}:StorageClass", () => OssStorageClass.Normalize(route.StorageClass, nameof(route.StorageClass)));
        }

        // The engine's own rules for the archived-source policy, named by the route's settings.
        foreach (var error in CopyRequestValidator.Validate(new CopyRequest
                 {
                     Bucket = "placeholder-bucket", Key = "k", SourceKey = "k",
                     Archived = route.Archived, RestoreDays = route.RestoreDays, RestoreTier = route.RestoreTier,
                 }).Where(e => e.Field is nameof(CopyRequest.Archived) or nameof(CopyRequest.RestoreDays) or nameof(CopyRequest.RestoreTier)))
        {
            errors.Add($"{path}:{error.Field}: {error.Message}");
        }
    }

    private static void ValidateNoFeedback(List<string> errors, IList<EventRouteOptions> routes)
    {
        for (var writer = 0; writer < routes.Count; writer++)
        {
            for (var reader = 0; reader < routes.Count; reader++)
            {
                var w = routes[writer];
                var r = routes[reader];
                if (string.Equals(w.DestinationBucket, r.SourceBucket, StringComparison.Ordinal) && Overlap(w.DestinationPrefix, r.SourcePrefix))
                {
                    var who = writer == reader
                        ? $"{Section}:Routes:{writer} ({w}) writes where it reads"
                        : $"{Section}:Routes:{writer} ({w}) writes where {Section}:Routes:{reader} ({r}) reads";
                    errors.Add($"{who}: every copy is an ObjectCreated event, so the routes would copy their own copies. Give the destination a bucket or prefix no route reads.");
                }
            }
        }
    }

    private static bool Overlap(string a, string b) =>
        a.StartsWith(b, StringComparison.Ordinal) || b.StartsWith(a, StringComparison.Ordinal);

    private static void ValidateEventBridge(List<string> errors, EventBridgeOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.SecretHeader) || !options.SecretHeader.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            errors.Add($"{Section}:EventBridge:SecretHeader must be a header name (letters, digits and '-').");
        }

        if (options.SharedSecret is { } secret && (secret.Length < 16 || secret.Any(char.IsControl)))
        {
            // The message never repeats the value: settings errors are logged.
            errors.Add($"{Section}:EventBridge:SharedSecret must be at least 16 characters without control characters.");
        }
    }

    private static void ValidateMns(List<string> errors, MnsOptions options)
    {
        for (var i = 0; i < options.AllowedCertificateHosts.Count; i++)
        {
            var host = options.AllowedCertificateHosts[i];
            if (string.IsNullOrWhiteSpace(host) || host.Contains('/', StringComparison.Ordinal) || host.Contains(':', StringComparison.Ordinal)
                || host.StartsWith('*') || host.Contains("**", StringComparison.Ordinal)
                || Uri.CheckHostName(host.Replace("*", "x", StringComparison.Ordinal)) != UriHostNameType.Dns)
            {
                errors.Add($"{Section}:Mns:AllowedCertificateHosts:{i} '{host}' must be a DNS host name ('*' for part of one label, not the first).");
            }
        }

        if (options.DevelopmentCertificateHost is { } dev && !Uri.TryCreate("http://" + dev + "/", UriKind.Absolute, out _))
        {
            errors.Add($"{Section}:Mns:DevelopmentCertificateHost '{dev}' must be host or host:port.");
        }

        if (options.MaxClockSkew < TimeSpan.FromMinutes(1) || options.MaxClockSkew > TimeSpan.FromHours(1))
        {
            errors.Add($"{Section}:Mns:MaxClockSkew must be between 1 minute and 1 hour.");
        }

        if (options.MaxCertificateBytes is < 1024 or > 1024 * 1024)
        {
            errors.Add($"{Section}:Mns:MaxCertificateBytes must be between 1024 and 1048576 bytes.");
        }
    }

    private static void CheckPrefix(List<string> errors, string path, string? prefix)
    {
        if (prefix is null)
        {
            return;
        }

        if (System.Text.Encoding.UTF8.GetByteCount(prefix) > 1023 || prefix.StartsWith('/') || prefix.Any(char.IsControl))
        {
            errors.Add($"{path} must be at most 1023 bytes, not start with '/', and hold no control characters.");
        }
    }

    private static void Check(List<string> errors, string path, Action check) => Check<object?>(errors, path, () =>
    {
        check();
        return null;
    });

    private static T? Check<T>(List<string> errors, string path, Func<T> check)
    {
        try
        {
            return check();
        }
        catch (ArgumentException ex)
        {
            errors.Add($"{path}: {(ex.ParamName is null ? ex.Message : ex.Message.Replace($" (Parameter '{ex.ParamName}')", string.Empty, StringComparison.Ordinal))}");
            return default;
        }
    }
}
