using Microsoft.Extensions.Options;
using OssCopy.Core.Copying;
using OssCopy.Functions.Configuration;

namespace OssCopy.Functions.Events;

/// <summary>
/// Turns an <c>ObjectCreated</c> event into the copies its matching routes ask for, each pinned to the event's ETag.
/// An <c>ObjectRestore:FinishRestore</c> event is routed too, by the routes that restore archived sources: the restore
/// an earlier event started is done, so now the copy can be made.
/// </summary>
public sealed class EventRouter
{
    private readonly IReadOnlyList<EventRouteOptions> _routes;

    public EventRouter(IOptions<EventOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _routes = [.. options.Value.Routes];
    }

    public IReadOnlyList<RoutedCopy> Route(OssObjectEvent ossEvent)
    {
        ArgumentNullException.ThrowIfNull(ossEvent);
        if (!ossEvent.IsObjectCreated && !ossEvent.IsRestoreFinished)
        {
            return [];
        }

        var copies = new List<RoutedCopy>();
        for (var i = 0; i < _routes.Count; i++)
        {
            var route = _routes[i];
            if ((ossEvent.IsRestoreFinished && !route.Restores) ||
                !string.Equals(route.SourceBucket, ossEvent.Bucket, StringComparison.Ordinal)
                || !ossEvent.Key.StartsWith(route.SourcePrefix ?? string.Empty, StringComparison.Ordinal))
            {
                continue;
            }

            var rest = ossEvent.Key[(route.SourcePrefix ?? string.Empty).Length..];
            var directive = route.TaggingDirective ?? (route.Tagging is null ? null : CopyTaggingDirective.Merge);
            copies.Add(new RoutedCopy(i, new CopyRequest
            {
                Bucket = route.DestinationBucket,
                Key = (route.DestinationPrefix ?? string.Empty) + rest,
                SourceBucket = ossEvent.Bucket,
                SourceKey = ossEvent.Key,
                // Pinned to what the event announced: an object overwritten since is the next event's to copy.
                ExpectedSourceETag = ossEvent.ETag,
                Tagging = route.Tagging,
                TaggingDirective = directive,
                ForbidOverwrite = route.ForbidOverwrite ? true : null,
                StorageClass = route.StorageClass,
                Archived = route.Archived,
                RestoreDays = route.RestoreDays,
                RestoreTier = route.RestoreTier,
            }));
        }

        return copies;
    }
}

/// <summary>A copy one route asks for; <see cref="RouteIndex"/> is its place in <c>Events:Routes</c>.</summary>
public sealed record RoutedCopy(int RouteIndex, CopyRequest Request);
