using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using LocalOss;

// `localoss` (the installed tool) or `dotnet run --project src/LocalOss --`: with no arguments it serves on
// 127.0.0.1:9000 with its data in ./.localoss, as Azurite serves from the current folder.
var options = new LocalOssOptions { DataDirectory = ".localoss" };
var logRequests = false;
// A value that is not a number (`--port abc`) or a missing one is a usage error, not a stack trace.
var option = string.Empty;
try
{
    for (var i = 0; i < args.Length; i++)
    {
        option = args[i];
        string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
        switch (args[i])
        {
            case "--port":
                options.Port = int.Parse(Next(), CultureInfo.InvariantCulture);
                break;
            case "--data" or "--location" or "-l":
                // --location is Azurite's name for the same thing.
                options.DataDirectory = Next();
                break;
            case "--host":
                // Accepted for scripts written for Azurite-like servers, but only as loopback: LocalOss is a
                // development server and never listens where another machine could reach it.
                var host = Next();
                if (host is not ("127.0.0.1" or "localhost"))
                {
                    Console.Error.WriteLine($"--host {host}: LocalOss listens on 127.0.0.1 only (it is a development server).");
                    return 2;
                }

                break;
            case "--debug":
                logRequests = true;
                break;
            case "--version":
                Console.WriteLine(typeof(LocalOssServer).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion);
                return 0;
            case "--in-memory":
                options.DataDirectory = null;
                break;
            case "--region":
                options.DefaultRegion = Next();
                break;
            case "--base-host":
                options.BaseHosts.Add(Next());
                break;
            case "--bucket":
                var spec = Next().Split(':', 2);
                options.InitialBuckets.Add(new LocalOssBucketSeed { Name = spec[0], Region = spec.Length > 1 ? spec[1] : null });
                break;
            case "--account":
                // ID:SECRET[:TOKEN]; with a token the key behaves as an STS key (every request must carry it).
                var account = Next().Split(':', 3);
                if (account.Length < 2)
                {
                    Console.Error.WriteLine("--account needs ID:SECRET[:TOKEN].");
                    return 2;
                }

                var existing = options.Accounts.FirstOrDefault(a => a.AccessKeyId == account[0]);
                if (existing is null)
                {
                    existing = new LocalOssAccount { AccessKeyId = account[0], AccessKeySecret = account[1] };
                    options.Accounts.Add(existing);
                }

                if (account.Length == 3)
                {
                    existing.SecurityTokens.Add(account[2]);
                }

                break;
            case "--cname":
                var binding = Next().Split('=', 2);
                if (binding.Length != 2)
                {
                    Console.Error.WriteLine("--cname needs HOST=BUCKET.");
                    return 2;
                }

                options.Cnames[binding[0]] = binding[1];
                break;
            case "--oidc-provider":
                // ARN,ISSUER,AUDIENCE[;AUDIENCE…],JWKS (a file, or an http://127.0.0.1… URL)
                var provider = Next().Split(',', 4);
                if (provider.Length != 4)
                {
                    Console.Error.WriteLine("--oidc-provider needs ARN,ISSUER,AUDIENCES,JWKS.");
                    return 2;
                }

                var oidc = new LocalOss.Sts.LocalOssOidcProvider { Arn = provider[0], Issuer = provider[1] };
                foreach (var audience in provider[2].Split(';', StringSplitOptions.RemoveEmptyEntries))
                {
                    oidc.Audiences.Add(audience);
                }

                if (provider[3].StartsWith("http", StringComparison.OrdinalIgnoreCase))
                {
                    oidc.JwksUrl = provider[3];
                }
                else
                {
                    oidc.JwksFile = provider[3];
                }

                options.Sts.OidcProviders.Add(oidc);
                break;
            case "--role":
                // ROLE_ARN=PROVIDER_ARN[;PROVIDER_ARN…]
                var role = Next().Split('=', 2);
                if (role.Length != 2)
                {
                    Console.Error.WriteLine("--role needs ROLE_ARN=PROVIDER_ARN[;PROVIDER_ARN].");
                    return 2;
                }

                var ramRole = new LocalOss.Sts.LocalOssRole { Arn = role[0] };
                foreach (var trusted in role[1].Split(';', StringSplitOptions.RemoveEmptyEntries))
                {
                    ramRole.TrustedProviderArns.Add(trusted);
                }

                options.Sts.Roles.Add(ramRole);
                break;
            case "--sts-credential-lifetime":
                options.Sts.CredentialLifetime = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture));
                break;
            case "--restore-delay":
                options.RestoreDelay = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture));
                break;
            case "--max-copy-size":
                options.MaxCopyObjectSourceSize = long.Parse(Next(), CultureInfo.InvariantCulture);
                break;
            case "--rate-account":
                // OSS's account limit is 10,000 requests/s; above it 503 TotalQpsLimitExceeded.
                options.Throttling.AccountRequestsPerSecond = double.Parse(Next(), CultureInfo.InvariantCulture);
                break;
            case "--rate-burst":
                options.Throttling.AccountBurst = int.Parse(Next(), CultureInfo.InvariantCulture);
                break;
            case "--rate-prefix":
                // Sequential keys share one index partition on OSS (about 2,000 requests/s); above it 503 PartitionQpsLimitted.
                options.Throttling.PrefixRequestsPerSecond = double.Parse(Next(), CultureInfo.InvariantCulture);
                break;
            case "--rate-prefix-burst":
                options.Throttling.PrefixBurst = int.Parse(Next(), CultureInfo.InvariantCulture);
                break;
            case "--rate-prefix-length":
                options.Throttling.PrefixLength = int.Parse(Next(), CultureInfo.InvariantCulture);
                break;
            case "--latency":
                options.Latency.Fixed = LocalOss.Throttling.DurationText.Parse(Next());
                break;
            case "--latency-jitter":
                options.Latency.Jitter = LocalOss.Throttling.DurationText.Parse(Next());
                break;
            case "--notify":
                // POST an OSS event after each successful write (the Functions app's /api/events, say).
                if (!Uri.TryCreate(Next(), UriKind.Absolute, out var notifyUrl))
                {
                    Console.Error.WriteLine("--notify needs an absolute http(s) URL.");
                    return 2;
                }

                options.Notify.Url = notifyUrl;
                break;
            case "--notify-format":
                var format = Next();
                if (!Enum.TryParse<LocalOss.Notifications.LocalOssNotifyFormat>(format, ignoreCase: true, out var notifyFormat) || int.TryParse(format, out _))
                {
                    Console.Error.WriteLine("--notify-format is cloudevents or mns.");
                    return 2;
                }

                options.Notify.Format = notifyFormat;
                break;
            case "--notify-secret":
                options.Notify.Secret = Next();
                break;
            case "--notify-secret-header":
                options.Notify.SecretHeader = Next();
                break;
            case "--help" or "-h":
                Console.WriteLine("""
                    LocalOss: an OSS-compatible server on 127.0.0.1 (with no arguments: port 9000, data in ./.localoss).
                      --port N            port (default 9000; 0 = any free port, printed at start)
                      --data DIR          data folder (default .localoss); --location DIR and -l DIR are the same
                      --in-memory         keep everything in memory
                      --host 127.0.0.1    the only address it listens on (loopback; other values are refused)
                      --debug             log every request and its answer's status to the console
                      --version           print the version
                      --region ID         region of new buckets without a hint (default cn-hangzhou)
                      --base-host HOST    extra host for virtual-hosted addressing ({bucket}.HOST)
                      --bucket NAME[:REGION]  create this bucket at start (repeatable)
                      --max-copy-size N   largest CopyObject source in bytes (default 5 GiB)
                      --restore-delay S   seconds an archive RestoreObject takes (default 1; 0 = at once)
                      --account ID:SECRET[:TOKEN]  accept this key (repeatable; replaces the development account,
                                          so list it too to keep it); with TOKEN it is an STS key needing that token
                      --cname HOST=BUCKET  bind a custom domain to a bucket (repeatable), as ali-oss cname:true uses it
                      --oidc-provider ARN,ISSUER,AUD[;AUD],JWKS  trust an OIDC provider for STS AssumeRoleWithOIDC
                                          (JWKS: a file, or a loopback URL) (repeatable)
                      --role ROLE_ARN=PROVIDER_ARN[;PROVIDER_ARN]  a RAM role its tokens may assume (repeatable)
                      --sts-credential-lifetime S  issued credentials live S seconds, whatever DurationSeconds asks
                      --rate-account N    at most N requests/s per account (token bucket), above it 503 TotalQpsLimitExceeded
                      --rate-burst N      requests an idle account may make at once (default: N of --rate-account)
                      --rate-prefix N     at most N requests/s to the keys of a bucket sharing their first L characters
                                          (one OSS index partition), above it 503 PartitionQpsLimitted
                      --rate-prefix-length L  characters of the key that make the partition (default 8)
                      --rate-prefix-burst N   burst of one key prefix (default: N of --rate-prefix)
                      --latency T         hold every request T before answering (20ms, 0.5s; a bare number is ms)
                      --latency-jitter T  plus up to T more, uniformly drawn per request
                      --notify URL        POST an OSS event to URL after each successful write (ObjectCreated:*,
                                          ObjectRemoved:*, ObjectRestore:FinishRestore), in the background with retries
                      --notify-format F   cloudevents (EventBridge, default) or mns (signed with a development certificate
                                          served at /_mns/cert-….pem; trust it with Events:Mns:DevelopmentCertificateHost)
                      --notify-secret S   the CloudEvents shared secret (Events:EventBridge:SharedSecret)
                      --notify-secret-header H  its header (default x-osscopy-event-secret)
                    STS (AssumeRoleWithOIDC, no signature): POST {base}/_sts (Oss:Sts:Endpoint = http://127.0.0.1:PORT/_sts)
                    Admin (loopback, no signature): /_localoss/health, /_localoss/counters, /_localoss/faults
                    """);
                return 0;
            default:
                Console.Error.WriteLine($"Unknown argument {args[i]} (try --help).");
                return 2;
        }
    }
}
catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException)
{
    Console.Error.WriteLine($"{option}: {ex.Message} (try --help)");
    return 2;
}

try
{
    using var stop = new CancellationTokenSource();
    await using var server = await LocalOssServer.StartAsync(options, logging =>
    {
        logging.AddSimpleConsole(c => c.SingleLine = true);
        logging.SetMinimumLevel(LogLevel.Warning);
        logging.AddFilter("LocalOss", logRequests ? LogLevel.Debug : LogLevel.Information);
        if (logRequests)
        {
            // ASP.NET Core's "Request starting …" / "Request finished … 200" lines are the request log.
            logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Information);
        }
    }, stop.Token);
    Console.WriteLine($"""
        LocalOss listening on {server.BaseAddress}
          data:              {(options.DataDirectory is null ? "(in memory)" : Path.GetFullPath(options.DataDirectory))}
          AccessKeyId:       {options.EffectiveAccounts[0].AccessKeyId}
          AccessKeySecret:   {(options.Accounts.Count == 0 ? LocalOssOptions.DefaultAccessKeySecret : "(as given with --account)")}{(options.EffectiveAccounts.Count > 1 ? $"  (+{options.EffectiveAccounts.Count - 1} more accounts)" : "")}
          default region:    {options.DefaultRegion}
          path style:        {server.BaseAddress}bucket/key
          virtual-hosted:    Host: bucket.oss-{options.DefaultRegion}.aliyuncs.com  or  bucket.localhost:{server.Port}{NotifyLines(options, server)}
        Press Ctrl+C to stop.
        """);
    await server.WaitForShutdownAsync(stop.Token);
    return 0;
}
catch (ValidationException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

static string NotifyLines(LocalOssOptions options, LocalOssServer server)
{
    if (options.Notify.Url is not { } url)
    {
        return "";
    }

    var lines = $"\n  notify:            {url} ({options.Notify.Format}";
    lines += options.Notify.Format == LocalOss.Notifications.LocalOssNotifyFormat.Mns
        ? $", signed; certificate {server.MnsCertificateUrl}\n                     trust it with Events__Mns__DevelopmentCertificateHost={server.BaseAddress.Authority})"
        : options.Notify.Secret is null ? ", no shared secret)" : $", shared secret in {options.Notify.SecretHeader})";
    return lines;
}
