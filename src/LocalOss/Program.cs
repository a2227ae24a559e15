using System.ComponentModel.DataAnnotations;
using System.Globalization;
using LocalOss;

// dotnet run --project src/LocalOss -- --port 9000 --data .localoss
var options = new LocalOssOptions { DataDirectory = ".localoss" };
for (var i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
    switch (args[i])
    {
        case "--port":
            options.Port = int.Parse(Next(), CultureInfo.InvariantCulture);
            break;
        case "--data":
            options.DataDirectory = Next();
            break;
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
        case "--max-copy-size":
            options.MaxCopyObjectSourceSize = long.Parse(Next(), CultureInfo.InvariantCulture);
            break;
        case "--help" or "-h":
            Console.WriteLine("""
                LocalOss: an OSS-compatible server on 127.0.0.1.
                  --port N            port (default 9000; 0 = any free port)
                  --data DIR          data folder (default .localoss)
                  --in-memory         keep everything in memory
                  --region ID         region of new buckets without a hint (default cn-hangzhou)
                  --base-host HOST    extra host for virtual-hosted addressing ({bucket}.HOST)
                  --bucket NAME[:REGION]  create this bucket at start (repeatable)
                  --max-copy-size N   largest CopyObject source in bytes (default 5 GiB)
                Admin (loopback, no signature): /_localoss/health, /_localoss/counters, /_localoss/faults
                """);
            return 0;
        default:
            Console.Error.WriteLine($"Unknown argument {args[i]} (try --help).");
            return 2;
    }
}

try
{
    using var stop = new CancellationTokenSource();
    await using var server = await LocalOssServer.StartAsync(options, logging =>
    {
        logging.AddSimpleConsole(c => c.SingleLine = true);
        logging.SetMinimumLevel(LogLevel.Warning);
        logging.AddFilter("LocalOss", LogLevel.Information);
    }, stop.Token);
    Console.WriteLine($"""
        LocalOss listening on {server.BaseAddress}
          data:              {(options.DataDirectory is null ? "(in memory)" : Path.GetFullPath(options.DataDirectory))}
          AccessKeyId:       {LocalOssOptions.DefaultAccessKeyId}
          AccessKeySecret:   {LocalOssOptions.DefaultAccessKeySecret}
          default region:    {options.DefaultRegion}
          path style:        {server.BaseAddress}bucket/key
          virtual-hosted:    Host: bucket.oss-{options.DefaultRegion}.aliyuncs.com  or  bucket.localhost:{server.Port}
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
