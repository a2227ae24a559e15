using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;

namespace LocalOss;

/// <summary>
/// Everything a LocalOss instance is started with. Validated once by <see cref="Validate"/> before the
/// server binds, so a bad configuration fails at start-up rather than on the first request.
/// </summary>
public sealed partial class LocalOssOptions
{
    /// <summary>The well-known development account, like Azurite's <c>devstoreaccount1</c>.</summary>
    public const string DefaultAccessKeyId = "LTAI5tLocalOssDevKey";

    /// <summary>The secret of <see cref="DefaultAccessKeyId"/>. Public by design: it protects nothing.</summary>
    public const string DefaultAccessKeySecret = "LocalOssDevSecret-NotForProduction";

    public const string DefaultRegionId = "cn-hangzhou";

    /// <summary>OSS refuses CopyObject for sources larger than 5 GiB (multipart copy is the way then).</summary>
    public const long DefaultMaxCopyObjectSourceSize = 5L * 1024 * 1024 * 1024;

    /// <summary>TCP port on 127.0.0.1; 0 picks a free one (read it back from <see cref="LocalOssServer.BaseAddress"/>).</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 9000;

    /// <summary>Folder for the SQLite metadata and the blob files; <c>null</c> keeps everything in memory.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>Accounts whose keys are accepted. Empty means the default development account alone.</summary>
    public IList<LocalOssAccount> Accounts { get; } = new List<LocalOssAccount>();

    /// <summary>Region of buckets created without a region hint (no <c>oss-{region}</c> Host, no V4 scope).</summary>
    [Required]
    public string DefaultRegion { get; set; } = DefaultRegionId;

    /// <summary>Regions a bucket may be created in. Empty accepts any well-formed region id.</summary>
    public IList<string> Regions { get; } = new List<string>();

    /// <summary>
    /// Host names under which <c>{bucket}.{host}</c> is virtual-hosted addressing, besides the built-in
    /// <c>oss-{region}[-internal].aliyuncs.com</c> form. <c>localhost</c> is always included.
    /// </summary>
    public IList<string> BaseHosts { get; } = new List<string>();

    /// <summary>
    /// Custom domain names bound to a bucket (OSS's CNAME binding): a request whose Host is one of these
    /// names addresses that bucket, and its whole path is the key. What ali-oss sends with <c>cname: true</c>.
    /// </summary>
    public IDictionary<string, string> Cnames { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Buckets that exist from the start (created if missing, also on a persisted store).</summary>
    public IList<LocalOssBucketSeed> InitialBuckets { get; } = new List<LocalOssBucketSeed>();

    /// <summary>Largest source CopyObject accepts; tests lower it to exercise the limit cheaply.</summary>
    [Range(0, long.MaxValue)]
    public long MaxCopyObjectSourceSize { get; set; } = DefaultMaxCopyObjectSourceSize;

    /// <summary>Smallest size of every part but the last at CompleteMultipartUpload; OSS requires 100 KiB.</summary>
    [Range(0, long.MaxValue)]
    public long MinMultipartPartSize { get; set; } = 100 * 1024;

    /// <summary>
    /// How long a RestoreObject of an Archive, Cold Archive or Deep Cold Archive object takes (minutes to hours on
    /// OSS). Short by default, yet long enough that the restoring state (<c>x-oss-restore: ongoing-request="true"</c>,
    /// 409 RestoreAlreadyInProgress) can be seen; zero restores at once.
    /// </summary>
    public TimeSpan RestoreDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Allowed clock difference for header-signed requests; OSS allows 15 minutes.</summary>
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// When true, a request whose Host names one region (<c>bucket.oss-cn-shanghai.aliyuncs.com</c>) for a
    /// bucket that lives in another is refused, as OSS refuses it. Path-style requests are never checked.
    /// </summary>
    public bool EnforceEndpointRegion { get; set; } = true;

    /// <summary>
    /// Flush blob files and SQLite commits to the disk before answering (fsync). Off by default: a process
    /// crash loses nothing either way; only a power loss can, and the speed matters more for local tests.
    /// </summary>
    public bool DurableWrites { get; set; }

    /// <summary>Faults injected from the first request on (the admin endpoint can change them later).</summary>
    public LocalOssFaultOptions Faults { get; set; } = new();

    /// <summary>OSS's request-rate limits, modelled as token buckets (off unless a rate is set).</summary>
    public LocalOssThrottlingOptions Throttling { get; set; } = new();

    /// <summary>Simulated per-request latency (none by default).</summary>
    public LocalOssLatencyOptions Latency { get; set; } = new();

    /// <summary>OSS event notifications POSTed after each successful write (off until <c>Notify.Url</c> is set).</summary>
    public Notifications.LocalOssNotifyOptions Notify { get; set; } = new();

    /// <summary>The STS endpoint's OIDC providers and roles (AssumeRoleWithOIDC at <c>/_sts</c>).</summary>
    public Sts.LocalOssStsOptions Sts { get; set; } = new();

    internal IReadOnlyList<LocalOssAccount> EffectiveAccounts =>
        Accounts.Count > 0
            ? Accounts.ToList()
            : [new LocalOssAccount { AccessKeyId = DefaultAccessKeyId, AccessKeySecret = DefaultAccessKeySecret }];

    /// <summary>Throws a <see cref="ValidationException"/> listing every problem.</summary>
    public void Validate()
    {
        var problems = new List<string>();
        var context = new ValidationContext(this);
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(this, context, results, validateAllProperties: true))
        {
            problems.AddRange(results.Select(r => r.ErrorMessage ?? "invalid value"));
        }

        if (!IsRegionId(DefaultRegion))
        {
            problems.Add($"DefaultRegion '{DefaultRegion}' is not a region id such as cn-hangzhou.");
        }

        foreach (var region in Regions)
        {
            if (!IsRegionId(region))
            {
                problems.Add($"Region '{region}' is not a region id such as cn-hangzhou.");
            }
        }

        if (Regions.Count > 0 && !Regions.Contains(DefaultRegion, StringComparer.Ordinal))
        {
            problems.Add($"DefaultRegion '{DefaultRegion}' is not among Regions.");
        }

        foreach (var account in Accounts)
        {
            if (string.IsNullOrWhiteSpace(account.AccessKeyId) || string.IsNullOrEmpty(account.AccessKeySecret))
            {
                problems.Add("Every account needs an AccessKeyId and an AccessKeySecret.");
            }
        }

        if (Accounts.Select(a => a.AccessKeyId).Distinct(StringComparer.Ordinal).Count() != Accounts.Count)
        {
            problems.Add("Account access key ids must be unique.");
        }

        foreach (var bucket in InitialBuckets)
        {
            if (!Storage.Names.IsValidBucketName(bucket.Name))
            {
                problems.Add($"Initial bucket name '{bucket.Name}' is not a valid OSS bucket name.");
            }

            if (bucket.Region is not null && !IsRegionId(bucket.Region))
            {
                problems.Add($"Initial bucket '{bucket.Name}' has an invalid region '{bucket.Region}'.");
            }
        }

        foreach (var (host, bucket) in Cnames)
        {
            if (string.IsNullOrWhiteSpace(host) || host.Contains(':', StringComparison.Ordinal) || !Storage.Names.IsValidBucketName(bucket))
            {
                problems.Add($"CNAME '{host}' must be a host name (no port) bound to a valid bucket name, not '{bucket}'.");
            }
        }

        if (RestoreDelay < TimeSpan.Zero)
        {
            problems.Add("RestoreDelay cannot be negative.");
        }

        if (MaxClockSkew <= TimeSpan.Zero)
        {
            problems.Add("MaxClockSkew must be positive.");
        }

        problems.AddRange(Faults.Problems());
        problems.AddRange(Throttling.Problems());
        problems.AddRange(Latency.Problems());
        problems.AddRange(Sts.Problems());
        problems.AddRange(Notify.Problems());
        if (problems.Count > 0)
        {
            throw new ValidationException("Invalid LocalOss options: " + string.Join(" ", problems));
        }
    }

    internal static bool IsRegionId(string? value) => value is not null && RegionPattern().IsMatch(value);

    [GeneratedRegex("^[a-z]{2,}(-[a-z0-9]+)+$", RegexOptions.CultureInvariant)]
    private static partial Regex RegionPattern();
}

/// <summary>An access key LocalOss accepts.</summary>
public sealed class LocalOssAccount
{
    public string AccessKeyId { get; set; } = "";

    public string AccessKeySecret { get; set; } = "";

    /// <summary>
    /// When not empty the key behaves like an STS key: every request must carry one of these tokens
    /// (<c>x-oss-security-token</c> header, or the presigned-URL token parameter).
    /// </summary>
    public IList<string> SecurityTokens { get; } = new List<string>();

    /// <summary>Owner id shown in listings; defaults to a stable number derived from the key id.</summary>
    public string? OwnerId { get; set; }
}

/// <summary>A bucket created at start-up.</summary>
public sealed class LocalOssBucketSeed
{
    public string Name { get; set; } = "";

    /// <summary>Region id (cn-hangzhou); <c>null</c> means <see cref="LocalOssOptions.DefaultRegion"/>.</summary>
    public string? Region { get; set; }

    public bool Versioning { get; set; }
}
