using System.Collections.Concurrent;
using System.Security.Cryptography;
using LocalOss;
using Microsoft.Extensions.Logging;
using OssCopy.Oss;
using OssCopy.Oss.Credentials;
using OssCopy.Oss.Hashing;
using OssCopy.Oss.Models;

namespace OssCopy.Reliability.Tests.Support;

/// <summary>What the source held: each key's size and CRC-64, computed from the bytes uploaded.</summary>
internal sealed record SourceObject(string Key, long Size, ulong Crc64);

/// <summary>What the destination holds against what the source held.</summary>
internal sealed record AuditResult(IReadOnlyList<string> Missing, IReadOnlyList<string> Corrupt, IReadOnlyList<string> Unexpected, int Present)
{
    public bool IsComplete => Missing.Count == 0 && Corrupt.Count == 0 && Unexpected.Count == 0;

    public override string ToString() =>
        $"{Present} present; missing {Missing.Count} [{string.Join(", ", Missing.Take(5))}], corrupt {Corrupt.Count} [{string.Join(", ", Corrupt.Take(5))}], " +
        $"unexpected {Unexpected.Count} [{string.Join(", ", Unexpected.Take(5))}]";
}

/// <summary>An in-process LocalOss (in memory, free port) whose every log line is kept, with seeding and auditing helpers.</summary>
public sealed class LocalOssWorld : IAsyncLifetime, IDisposable
{
    private static int _buckets;
    private readonly CapturedLog _log = new();
    private LocalOssServer? _server;

    /// <summary>An STS-style key: its requests must carry <see cref="SecretScan.SecurityToken"/>.</summary>
    public const string StsAccessKeyId = "STS.ReliabilitySuite";

    public LocalOssServer Server => _server ?? throw new InvalidOperationException("Not started.");

    public IOssClient Admin { get; private set; } = null!;

    internal CapturedLog Log => _log;

    public string Endpoint => Server.BaseAddress.ToString();

    public static StaticCredentialsProvider Credentials => new(new OssCredentials(SecretScan.AccessKeyId, SecretScan.AccessKeySecret));

    public async Task InitializeAsync()
    {
        var options = new LocalOssOptions { Port = 0, DataDirectory = null };
        options.Accounts.Add(new LocalOssAccount { AccessKeyId = SecretScan.AccessKeyId, AccessKeySecret = SecretScan.AccessKeySecret });
        var sts = new LocalOssAccount { AccessKeyId = StsAccessKeyId, AccessKeySecret = SecretScan.AccessKeySecret };
        sts.SecurityTokens.Add(SecretScan.SecurityToken);
        options.Accounts.Add(sts);
        _server = await LocalOssServer.StartAsync(options, logging => logging.AddProvider(_log).SetMinimumLevel(LogLevel.Trace));
        Admin = Client(maxRetries: 3);
    }

    public void Dispose() => _log.Dispose();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            SecretScan.AssertClean("LocalOss log", _log.Lines);
            await _server.DisposeAsync();
        }
    }

    public OssClientOptions ClientOptions(int maxRetries) => new()
    {
        Region = "cn-hangzhou", Endpoint = Endpoint, UsePathStyle = true, MaxRetries = maxRetries, RetryBaseDelay = TimeSpan.FromMilliseconds(5),
    };

    public OssClient Client(int maxRetries) => OssClient.Create(ClientOptions(maxRetries), Credentials);

    public async Task<string> NewBucketAsync(string prefix)
    {
        var name = $"{prefix}-{Environment.ProcessId}-{Interlocked.Increment(ref _buckets)}";
        await Admin.PutBucketAsync(new PutBucketRequest { Bucket = name });
        return name;
    }

    /// <summary>Uploads <paramref name="count"/> objects of random bytes (sizes vary) under <paramref name="prefix"/>.</summary>
    internal async Task<IReadOnlyList<SourceObject>> SeedAsync(string bucket, string prefix, int count)
    {
        var objects = new ConcurrentBag<SourceObject>();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            var data = RandomNumberGenerator.GetBytes(16 + (i * 37 % 1500));
            var key = $"{prefix}{i % 10}/{i:D6}.bin";
            await Admin.PutObjectAsync(new PutObjectRequest { Bucket = bucket, Key = key, Body = new MemoryStream(data) }, ct);
            objects.Add(new SourceObject(key, data.Length, Crc64.Compute(data)));
        });
        return [.. objects.OrderBy(o => o.Key, StringComparer.Ordinal)];
    }

    /// <summary>
    /// Lists the destination under <paramref name="destinationPrefix"/> and HEADs every object: each source object must
    /// be there with its size and CRC-64, and nothing else may be.
    /// </summary>
    internal static async Task<AuditResult> AuditAsync(IOssClient client, IReadOnlyList<SourceObject> source, string sourcePrefix, string bucket, string destinationPrefix)
    {
        var listed = await ListAsync(client, bucket, destinationPrefix);
        var expected = source.ToDictionary(o => destinationPrefix + o.Key[sourcePrefix.Length..], StringComparer.Ordinal);
        var missing = expected.Keys.Where(k => !listed.ContainsKey(k)).ToList();
        var unexpected = listed.Keys.Where(k => !expected.ContainsKey(k)).ToList();
        var corrupt = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(expected.Where(e => listed.ContainsKey(e.Key)), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (pair, ct) =>
        {
            var head = await client.HeadObjectAsync(new HeadObjectRequest { Bucket = bucket, Key = pair.Key }, ct);
            if (head.Properties.ContentLength != pair.Value.Size || head.Properties.HashCrc64 != pair.Value.Crc64 || listed[pair.Key].Size != pair.Value.Size)
            {
                corrupt.Add(pair.Key);
            }
        });
        return new AuditResult(missing, [.. corrupt], unexpected, listed.Count);
    }

    internal static async Task<Dictionary<string, OssObjectSummary>> ListAsync(IOssClient client, string bucket, string prefix)
    {
        var all = new Dictionary<string, OssObjectSummary>(StringComparer.Ordinal);
        string? token = null;
        do
        {
            var page = await client.ListObjectsV2Async(new ListObjectsV2Request { Bucket = bucket, Prefix = prefix, ContinuationToken = token });
            foreach (var item in page.Contents)
            {
                all.Add(item.Key, item);
            }

            token = page.IsTruncated ? page.NextContinuationToken : null;
        }
        while (token is not null);
        return all;
    }
}
