using System.Globalization;
using OssCopy.Oss;
using OssCopy.Oss.Credentials;
using OssCopy.Oss.Models;

// Seeds the demo source bucket of scripts/demo: a few hundred objects under nested prefixes, some tagged, some
// with metadata, some with keys that need encoding. Seeds once: a bucket that already holds objects is left as it is,
// so a second demo run finds nothing new to copy.
string? endpoint = null;
var bucket = "demo-source";
var count = 300;
for (var i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
    switch (args[i])
    {
        case "--endpoint": endpoint = Next(); break;
        case "--bucket": bucket = Next(); break;
        case "--count": count = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        default:
            Console.Error.WriteLine("usage: DemoSeed --endpoint URL [--bucket NAME] [--count N]   (credentials from OSS_ACCESS_KEY_ID/SECRET)");
            return 2;
    }
}

if (endpoint is null)
{
    Console.Error.WriteLine("--endpoint is required.");
    return 2;
}

var client = OssClient.Create(new OssClientOptions { Region = "cn-hangzhou", Endpoint = endpoint, UsePathStyle = true }, new EnvironmentCredentialsProvider());
var existing = await client.ListObjectsV2Async(new ListObjectsV2Request { Bucket = bucket, MaxKeys = 1 });
if (existing.KeyCount > 0)
{
    Console.WriteLine($"demo: oss://{bucket} is already seeded");
    return 0;
}

string[] folders = ["photos/2026/01/", "photos/2026/02/", "photos/raw/", "logs/app/", "logs/web/2026-11-24/", "docs/", "docs/specs/v2/", "tmp/"];
string[] names = ["report", "IMG", "notes", "data set", "a+b=c", "résumé", "报告", "🙂smile", "100%", "q&a"];
string[] extensions = [".jpg", ".log", ".pdf", ".csv", ".tmp", ".json"];
var random = new Random(20261125);
await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (n, ct) =>
{
    var folder = folders[n % folders.Length];
    var extension = folder.StartsWith("photos", StringComparison.Ordinal) ? ".jpg" : folder.StartsWith("logs", StringComparison.Ordinal) ? ".log" : extensions[n % extensions.Length];
    var key = $"{folder}{names[n % names.Length]}-{n.ToString("D4", CultureInfo.InvariantCulture)}{extension}";
    byte[] body;
    lock (random)
    {
        body = new byte[random.Next(512, 64 * 1024)];
        random.NextBytes(body);
    }

    await client.PutObjectAsync(new PutObjectRequest
    {
        Bucket = bucket,
        Key = key,
        Body = new MemoryStream(body),
        ContentType = extension switch { ".jpg" => "image/jpeg", ".log" => "text/plain", ".pdf" => "application/pdf", ".csv" => "text/csv", _ => "application/octet-stream" },
        Tagging = n % 3 == 0 ? $"Owner=team-{n % 4}&Project=demo" : null,
        Metadata = n % 5 == 0 ? new Dictionary<string, string> { ["source"] = "demo-seed", ["index"] = n.ToString(CultureInfo.InvariantCulture) } : null,
    }, ct);
});

Console.WriteLine($"demo: seeded oss://{bucket} with {count} objects");
return 0;
