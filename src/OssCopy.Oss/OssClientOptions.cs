using System.ComponentModel.DataAnnotations;
using OssCopy.Oss.Signing;

namespace OssCopy.Oss;

/// <summary>How the client reaches OSS. Bound from the <c>Oss</c> configuration section and validated at start.</summary>
public sealed class OssClientOptions : IValidatableObject
{
    public const string SectionName = "Oss";

    /// <summary>The region, e.g. <c>cn-hangzhou</c> (an <c>oss-</c> prefix is accepted).</summary>
    [Required]
    public string Region { get; set; } = string.Empty;

    /// <summary>Optional endpoint: a host (<c>oss-cn-hangzhou.aliyuncs.com</c>) or a URL (<c>http://127.0.0.1:9000</c>).</summary>
    public string? Endpoint { get; set; }

    /// <summary>Path-style URLs (<c>/bucket/key</c>); forced for IP endpoints, as in Go v2.</summary>
    public bool UsePathStyle { get; set; }

    /// <summary>Use the region's internal (VPC) endpoint when no endpoint is given.</summary>
    public bool UseInternalEndpoint { get; set; }

    /// <summary>Use http instead of https when the endpoint has no scheme.</summary>
    public bool DisableSsl { get; set; }

    public OssSignatureVersion SignatureVersion { get; set; } = OssSignatureVersion.V4;

    /// <summary>Retries after the first attempt for network errors, 408, 429, 5xx and clock skew.</summary>
    [Range(0, 20)]
    public int MaxRetries { get; set; } = 3;

    /// <summary>The first backoff; later ones grow exponentially, with jitter.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest a single attempt may take (large copies and multipart completes can be slow).</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Check the CRC-64 of uploads and full downloads against <c>x-oss-hash-crc64ecma</c>.</summary>
    public bool VerifyCrc64 { get; set; } = true;

    /// <summary>Optional credentials in configuration; when absent the OSS_* environment variables/settings are used.</summary>
    public string? AccessKeyId { get; set; }

    public string? AccessKeySecret { get; set; }

    public string? SecurityToken { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(Region) && !IsRegionId(OssEndpoints.BareRegion(Region)))
        {
            yield return new ValidationResult($"'{Region}' is not a region id such as cn-hangzhou.", [nameof(Region)]);
        }

        if (!string.IsNullOrWhiteSpace(Endpoint))
        {
            string? error = null;
            try
            {
                OssEndpoints.ResolveBase(string.IsNullOrWhiteSpace(Region) ? "cn-hangzhou" : Region, Endpoint, UseInternalEndpoint, DisableSsl);
            }
            catch (ArgumentException ex)
            {
                error = ex.Message;
            }

            if (error is not null)
            {
                yield return new ValidationResult(error, [nameof(Endpoint)]);
            }
        }

        if (RetryBaseDelay < TimeSpan.Zero || RetryBaseDelay > TimeSpan.FromMinutes(1))
        {
            yield return new ValidationResult("RetryBaseDelay must be between 0 and 1 minute.", [nameof(RetryBaseDelay)]);
        }

        if (AttemptTimeout <= TimeSpan.Zero)
        {
            yield return new ValidationResult("AttemptTimeout must be positive.", [nameof(AttemptTimeout)]);
        }

        if (string.IsNullOrEmpty(AccessKeyId) != string.IsNullOrEmpty(AccessKeySecret))
        {
            yield return new ValidationResult("AccessKeyId and AccessKeySecret are set together or not at all.", [nameof(AccessKeyId), nameof(AccessKeySecret)]);
        }
    }

    public override string ToString() =>
        $"OssClientOptions {{ Region = {Region}, Endpoint = {Endpoint ?? "(region default)"}, UsePathStyle = {UsePathStyle}, SignatureVersion = {SignatureVersion}, AccessKeyId = {AccessKeyId ?? "(from environment)"} }}";

    private static bool IsRegionId(string region) =>
        region.Length is > 0 and <= 64 && region.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-');
}
