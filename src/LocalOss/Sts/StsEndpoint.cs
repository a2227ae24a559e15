using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using LocalOss.Faults;

namespace LocalOss.Sts;

/// <summary>
/// STS's RPC API, <c>AssumeRoleWithOIDC</c> only (Version 2015-04-01, JSON): parameters from the query and a form
/// body, the token validated against the configured providers and roles, temporary credentials issued into
/// <see cref="TemporaryCredentialStore"/>. Served at <c>/_sts</c> (bucket names cannot contain '_') and under any
/// Host <c>sts.*</c>. Errors answer STS's JSON (<c>RequestId, HostId, Code, Message, Recommend</c>). The token and
/// the issued secret and token are never logged.
/// </summary>
internal sealed partial class StsEndpoint
{
    public const string PathPrefix = LocalOssStsOptions.PathPrefix;
    public const string OperationName = LocalOssStsOptions.OperationName;

    private readonly LocalOssStsOptions _options;
    private readonly TemporaryCredentialStore _store;
    private readonly JwtValidator _validator;
    private readonly RequestCounters _counters;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public StsEndpoint(LocalOssStsOptions options, TemporaryCredentialStore store, RequestCounters counters, TimeProvider time, ILogger logger)
    {
        _options = options;
        _store = store;
        _counters = counters;
        _time = time;
        _logger = logger;
        _validator = new JwtValidator(time, options.ClockSkew);
    }

    public static bool Handles(HttpContext http) =>
        http.Request.Path.StartsWithSegments(PathPrefix, StringComparison.Ordinal) || StsHost().IsMatch(http.Request.Host.Host);

    // sts.aliyuncs.com, sts.cn-hangzhou.aliyuncs.com, sts-vpc.…; never a bucket named "sts" (sts.oss-cn-hangzhou.aliyuncs.com).
    [System.Text.RegularExpressions.GeneratedRegex(@"^sts(-vpc)?(\.(?!oss-)[a-z0-9-]+)?\.aliyuncs\.com$",
        System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex StsHost();

    public async Task HandleAsync(HttpContext http)
    {
        var requestId = Guid.NewGuid().ToString("D").ToUpperInvariant();
        try
        {
            var parameters = await ReadParametersAsync(http).ConfigureAwait(false);
            string? Get(string name) => parameters.TryGetValue(name, out var value) && value.Length > 0 ? value : null;
            var action = Get("Action") ?? throw StsError.Missing("Action");
            if (action != OperationName)
            {
                throw new StsError(404, "InvalidAction.NotFound", $"Specified api is not found, please check your url and method. Action: {action}");
            }

            _counters.Increment(OperationName);
            if (Get("Version") is { } version && version != "2015-04-01")
            {
                throw new StsError(400, "InvalidVersion", $"Specified parameter Version is not valid: {version}.");
            }

            var roleArn = Get("RoleArn") ?? throw StsError.Missing("RoleArn");
            var providerArn = Get("OIDCProviderArn") ?? throw StsError.Missing("OIDCProviderArn");
            var token = Get("OIDCToken") ?? throw new StsError(401, "AuthenticationFail.OIDCToken.Invalid", "The OIDCToken can not empty.");
            var session = Get("RoleSessionName") ?? "oidc-session";
            if (session.Length is < 2 or > 64 || !session.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '@' or '-' or '_'))
            {
                throw new StsError(400, "InvalidParameter.RoleSessionName", "The parameter RoleSessionName is wrongly formed.");
            }

            var provider = _options.OidcProviders.FirstOrDefault(p => p.Arn == providerArn)
                ?? throw new StsError(401, "AuthenticationFail.NoPermission", "No such OIDC Provider registered.");
            var role = _options.Roles.FirstOrDefault(r => r.Arn == roleArn)
                ?? throw new StsError(404, "EntityNotExist.Role", $"The role not exists: {roleArn}.");
            var duration = 3600;
            if (Get("DurationSeconds") is { } durationText
                && (!int.TryParse(durationText, NumberStyles.None, CultureInfo.InvariantCulture, out duration) || duration < 900 || duration > role.MaxSessionDurationSeconds))
            {
                throw new StsError(400, "InvalidParameter.DurationSeconds",
                    $"The Min/Max value of DurationSeconds is 15min/{role.MaxSessionDurationSeconds / 3600}hr.");
            }

            if (Get("Policy") is { Length: > 2048 })
            {
                throw new StsError(400, "InvalidParameter.PolicyLength", "The policy is too long.");
            }

            var subject = await _validator.ValidateAsync(token, provider, http.RequestAborted).ConfigureAwait(false);
            if (!role.TrustedProviderArns.Contains(providerArn))
            {
                throw new StsError(401, "AuthenticationFail.NoPermission", "There is no permission. The role does not trust this OIDC provider.");
            }

            var issued = _store.Issue(roleArn, session, _options.CredentialLifetime ?? TimeSpan.FromSeconds(duration));
            LogIssued(_logger, issued.AccessKeyId, roleArn, session, issued.Expiration);
            await WriteAsync(http, 200, w =>
            {
                w.WriteString("RequestId", requestId);
                w.WriteStartObject("OIDCTokenInfo");
                w.WriteString("Subject", subject);
                w.WriteString("Issuer", provider.Issuer);
                w.WriteString("ClientIds", string.Join(',', provider.Audiences));
                w.WriteEndObject();
                w.WriteStartObject("AssumedRoleUser");
                w.WriteString("AssumedRoleId", RoleId(roleArn) + ":" + session);
                w.WriteString("Arn", AssumedRoleArn(roleArn, session));
                w.WriteEndObject();
                w.WriteStartObject("Credentials");
                w.WriteString("AccessKeyId", issued.AccessKeyId);
                w.WriteString("AccessKeySecret", issued.AccessKeySecret);
                w.WriteString("SecurityToken", issued.SecurityToken);
                w.WriteString("Expiration", issued.Expiration.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
                w.WriteEndObject();
            }).ConfigureAwait(false);
        }
        catch (StsError error)
        {
            LogRefused(_logger, error.Code, error.Message);
            await WriteAsync(http, error.Status, w =>
            {
                w.WriteString("RequestId", requestId);
                w.WriteString("HostId", http.Request.Host.Host);
                w.WriteString("Code", error.Code);
                w.WriteString("Message", error.Message);
                w.WriteString("Recommend", "https://api.aliyun.com/troubleshoot?q=" + error.Code + "&product=Sts");
            }).ConfigureAwait(false);
        }
    }

    private static async Task<Dictionary<string, string>> ReadParametersAsync(HttpContext http)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in http.Request.Query)
        {
            parameters[name] = value.ToString();
        }

        if (http.Request.HasFormContentType)
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
            foreach (var (name, value) in form)
            {
                parameters[name] = value.ToString();
            }
        }

        return parameters;
    }

    private static async Task WriteAsync(HttpContext http, int status, Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json;charset=utf-8";
        http.Response.ContentLength = buffer.Length;
        await http.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), http.RequestAborted).ConfigureAwait(false);
    }

    // acs:ram::123456:role/name → acs:ram::123456:assumed-role/name/session
    private static string AssumedRoleArn(string roleArn, string session)
    {
        var at = roleArn.IndexOf(":role/", StringComparison.Ordinal);
        return at < 0 ? roleArn + "/" + session : roleArn[..at] + ":assumed-role/" + roleArn[(at + 6)..] + "/" + session;
    }

    // A stable 19-digit id per role ARN, like RAM's role ids.
    private static string RoleId(string roleArn) =>
        (BitConverter.ToUInt64(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(roleArn))) % 9_000_000_000_000_000_000UL + 1_000_000_000_000_000_000UL)
            .ToString(CultureInfo.InvariantCulture);

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "STS issued {AccessKeyId} for {RoleArn} (session {Session}), expiring at {Expiration:O}")]
    private static partial void LogIssued(ILogger logger, string accessKeyId, string roleArn, string session, DateTimeOffset expiration);

    [LoggerMessage(EventId = 21, Level = LogLevel.Information, Message = "STS refused AssumeRoleWithOIDC: {Code} {Message}")]
    private static partial void LogRefused(ILogger logger, string code, string message);
}
