using OssCopy.Core.Copying;

namespace OssCopy.Functions.Configuration;

/// <summary>
/// The OSS event receiver (<c>POST /api/events</c>): where matched objects are copied, how each transport is
/// authenticated, how large a delivery may be. Bound from <c>Events</c> and validated at start
/// (<see cref="EventOptionsValidator"/>).
/// </summary>
public sealed class EventOptions
{
    public const string SectionName = "Events";

    /// <summary>Source bucket + prefix → destination bucket + prefix. Events of other buckets and keys are acknowledged and logged.</summary>
    public IList<EventRouteOptions> Routes { get; } = new List<EventRouteOptions>();

    public EventBridgeOptions EventBridge { get; set; } = new();

    public MnsOptions Mns { get; set; } = new();

    /// <summary>The largest delivery read (an MNS notification or a CloudEvent).</summary>
    public int MaxBodyBytes { get; set; } = 256 * 1024;

    /// <summary>How long a delivered event is remembered, so a redelivery is acknowledged without a second copy.</summary>
    public TimeSpan DeduplicationWindow { get; set; } = TimeSpan.FromHours(24);
}

/// <summary>One route: objects created under <c>SourceBucket/SourcePrefix</c> are copied to <c>DestinationBucket/DestinationPrefix</c> + the rest of the key.</summary>
public sealed class EventRouteOptions
{
    public string SourceBucket { get; set; } = string.Empty;

    public string SourcePrefix { get; set; } = string.Empty;

    public string DestinationBucket { get; set; } = string.Empty;

    public string DestinationPrefix { get; set; } = string.Empty;

    /// <summary>Tags for the copy in header form (<c>A=1&amp;B=2</c>), applied with <see cref="TaggingDirective"/>.</summary>
    public string? Tagging { get; set; }

    /// <summary><c>Copy</c> (default without <see cref="Tagging"/>), <c>Replace</c> or <c>Merge</c> (default with it).</summary>
    public string? TaggingDirective { get; set; }

    /// <summary>Fail on <c>FileAlreadyExists</c> instead of overwriting an object already in the destination.</summary>
    public bool ForbidOverwrite { get; set; }

    /// <summary>The destination's storage class; the source's when null.</summary>
    public string? StorageClass { get; set; }

    /// <summary>
    /// An archived source that is not restored: <c>Fail</c> (default: the copy fails with OSS's 403), <c>Skip</c>, or
    /// <c>Restore</c> (RestoreObject now; the <c>ObjectRestore:FinishRestore</c> event OSS sends once it is readable copies it).
    /// </summary>
    public string? Archived { get; set; }

    /// <summary>With <c>Archived = Restore</c>: days the restored object stays readable (1 by default).</summary>
    public int? RestoreDays { get; set; }

    /// <summary>With <c>Archived = Restore</c>: <c>Expedited</c>, <c>Standard</c> or <c>Bulk</c> for Cold and Deep Cold Archive sources.</summary>
    public string? RestoreTier { get; set; }

    /// <summary>True when the route restores archived sources, so it copies on <c>ObjectRestore:FinishRestore</c> events too.</summary>
    public bool Restores => string.Equals(Archived, ArchivedSourceAction.Restore, StringComparison.OrdinalIgnoreCase);

    public override string ToString() =>
        $"oss://{SourceBucket}/{SourcePrefix}* -> oss://{DestinationBucket}/{DestinationPrefix}*";
}

/// <summary>EventBridge HTTP(S) targets: CloudEvents 1.0, authenticated by a shared secret header configured on the target.</summary>
public sealed class EventBridgeOptions
{
    /// <summary>The header the target sends the secret in.</summary>
    public string SecretHeader { get; set; } = "x-osscopy-event-secret";

    /// <summary>The shared secret; EventBridge deliveries are refused while it is not set. At least 16 characters.</summary>
    public string? SharedSecret { get; set; }

    public override string ToString() => $"EventBridgeOptions {{ SecretHeader = {SecretHeader}, SharedSecret = {(SharedSecret is null ? "(not set)" : "***")} }}";
}

/// <summary>MNS (Simple Message Queue) HTTP push: signed with the key of a certificate MNS publishes.</summary>
public sealed class MnsOptions
{
    /// <summary>Accept MNS notifications at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Hosts the signing certificate may be downloaded from (https only). <c>*</c> stands for one label part without
    /// dots, as in <c>mns-cert.oss-*.aliyuncs.com</c>. The defaults are the hosts MNS documents.
    /// </summary>
    public IList<string> AllowedCertificateHosts { get; } = new List<string>();

    /// <summary>A host (<c>host</c> or <c>host:port</c>) also accepted over plain http: a local MNS emulator. Never set it in production.</summary>
    public string? DevelopmentCertificateHost { get; set; }

    /// <summary>How far the notification's <c>Date</c> may be from now; MNS documents 15 minutes.</summary>
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The largest certificate downloaded.</summary>
    public int MaxCertificateBytes { get; set; } = 64 * 1024;

    /// <summary>The hosts MNS documents for its signing certificates.</summary>
    public static IReadOnlyList<string> DocumentedCertificateHosts { get; } = ["mns-cert.oss-*.aliyuncs.com", "mnstest.oss-cn-hangzhou.aliyuncs.com"];

    /// <summary>The configured hosts, or the documented ones when none are configured.</summary>
    public IReadOnlyList<string> EffectiveCertificateHosts => AllowedCertificateHosts.Count > 0 ? [.. AllowedCertificateHosts] : DocumentedCertificateHosts;
}
