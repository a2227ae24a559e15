using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LocalOss;
using OssCopy.Oss;
using OssCopy.Oss.Credentials;
using OssCopy.Oss.Signing;

namespace OssCopy.Bench;

internal sealed record CopyRateLine(int Clients, long Copies, double CopiesPerSecond);

internal sealed record LocalOssReport(
    MachineDescription Machine,
    string Storage,
    double SecondsPerConcurrency,
    IReadOnlyList<CopyRateLine> CopyRates,
    int SizeComparisonCopies,
    double SmallCopyMilliseconds,
    double LargeCopyMilliseconds,
    long LargeObjectBytes,
    double LargeOverSmallCeiling)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public double LargeOverSmall => LargeCopyMilliseconds / SmallCopyMilliseconds;

    public bool Passed => LargeOverSmall <= LargeOverSmallCeiling && CopyRates.All(r => r.Copies > 0);

    public void Print(TextWriter output)
    {
        output.WriteLine(Invariant($"LocalOss CopyObject on loopback ({Storage}) on {Machine}"));
        output.WriteLine(Invariant($"  {"concurrent clients",-20} {"copies",9} {"copies/s",10}"));
        foreach (var line in CopyRates)
        {
            output.WriteLine(Invariant($"  {line.Clients,-20} {line.Copies,9:N0} {line.CopiesPerSecond,10:N0}"));
        }

        output.WriteLine(Invariant($"Copy of a {LargeObjectBytes >> 30} GiB object vs a 1 KiB object, mean of {SizeComparisonCopies} sequential copies each"));
        output.WriteLine(Invariant($"  1 KiB {SmallCopyMilliseconds:F3} ms   {LargeObjectBytes >> 30} GiB {LargeCopyMilliseconds:F3} ms   ratio {LargeOverSmall:F2}"));
        output.WriteLine(Invariant($"{(Passed ? "PASS" : "FAIL")}: large/small copy time {LargeOverSmall:F2} (ceiling {LargeOverSmallCeiling:F2}: a copy writes metadata only)"));
    }

    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// CopyObject requests per second against an in-process LocalOss (on-disk store) at 1, 8 and 32 concurrent
/// clients, each request signed with V4 as a real client signs it; then a 1 GiB copy against a 1 KiB copy.
/// </summary>
internal static class LocalOssSection
{
    private const string Bucket = "bench-copy";
    private const long LargeBytes = 1L << 30;
    private const int ComparisonCopies = 200;
    private const double Ceiling = 1.5;
    private static readonly int[] Concurrency = [1, 8, 32];
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(5);
    private static readonly OssCredentials Credentials = new(LocalOssOptions.DefaultAccessKeyId, LocalOssOptions.DefaultAccessKeySecret);

    internal static int Run(BenchContext context) => RunAsync(context).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(BenchContext context)
    {
        var data = Path.Combine(Path.GetTempPath(), "localoss-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var server = await LocalOssServer.StartAsync(new LocalOssOptions { Port = 0, DataDirectory = data });
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { Timeout = TimeSpan.FromMinutes(10) };
            var client = new Client(http, server.BaseAddress);
            await client.SendAsync(HttpMethod.Put, null, null, null);
            await client.SendAsync(HttpMethod.Put, "small", null, new ByteArrayContent(new byte[1024]));
            var large = new StreamContent(new PatternStream(LargeBytes));
            large.Headers.ContentLength = LargeBytes;
            await client.SendAsync(HttpMethod.Put, "large", null, large);

            var rates = new List<CopyRateLine>();
            foreach (var clients in Concurrency)
            {
                await CopyForAsync(client, clients, TimeSpan.FromSeconds(1));
                var stopwatch = Stopwatch.StartNew();
                var copies = await CopyForAsync(client, clients, Duration);
                rates.Add(new CopyRateLine(clients, copies, copies / stopwatch.Elapsed.TotalSeconds));
            }

            var (small, largeCopy) = await MeanCopiesAsync(client);
            var report = new LocalOssReport(MachineDescription.Current(), "on disk, SQLite WAL", Duration.TotalSeconds, rates,
                ComparisonCopies, small, largeCopy, LargeBytes, Ceiling);
            report.Print(Console.Out);
            report.Save(Path.Combine(context.ResultsFolder, "localoss.json"));
            return report.Passed ? 0 : 1;
        }
        finally
        {
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    private static async Task<long> CopyForAsync(Client client, int clients, TimeSpan duration)
    {
        long copies = 0;
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async worker =>
        {
            var i = 0;
            while (stopwatch.Elapsed < duration)
            {
                await client.SendAsync(HttpMethod.Put, $"copies/{worker}/{i++ % 1000}", "/" + Bucket + "/small", null);
                Interlocked.Increment(ref copies);
            }
        }));
        return copies;
    }

    /// <summary>Mean milliseconds per copy of each source, the two interleaved so drift affects both alike.</summary>
    private static async Task<(double Small, double Large)> MeanCopiesAsync(Client client)
    {
        for (var i = 0; i < 20; i++)
        {
            await client.SendAsync(HttpMethod.Put, "warm-small", "/" + Bucket + "/small", null);
            await client.SendAsync(HttpMethod.Put, "warm-large", "/" + Bucket + "/large", null);
        }

        var small = TimeSpan.Zero;
        var large = TimeSpan.Zero;
        for (var i = 0; i < ComparisonCopies; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            await client.SendAsync(HttpMethod.Put, $"copy-of-small/{i}", "/" + Bucket + "/small", null);
            small += stopwatch.Elapsed;
            stopwatch.Restart();
            await client.SendAsync(HttpMethod.Put, $"copy-of-large/{i}", "/" + Bucket + "/large", null);
            large += stopwatch.Elapsed;
        }

        return (small.TotalMilliseconds / ComparisonCopies, large.TotalMilliseconds / ComparisonCopies);
    }

    private sealed class Client(HttpClient http, Uri baseAddress)
    {
        private readonly OssSignerV4 _signer = new();

        public async Task SendAsync(HttpMethod method, string? key, string? copySource, HttpContent? content)
        {
            var signing = new OssSigningContext { Method = method.Method, Bucket = Bucket, Key = key, Credentials = Credentials };
            if (copySource is not null)
            {
                signing.Headers["x-oss-copy-source"] = copySource;
            }

            lock (_signer)
            {
                _signer.SignHeaders(signing);
            }

            using var request = new HttpRequestMessage(method, new Uri(baseAddress, "/" + Bucket + "/" + (key is null ? "" : OssEncoding.EscapePath(key))))
            {
                Content = content ?? new ByteArrayContent([]),
            };
            foreach (var (name, value) in signing.Headers)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }

            using var response = await http.SendAsync(request);
            if (!response.IsSuccessStatusCode)
            {
                throw new BenchmarkFailedException($"{method} {key}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }
    }

    /// <summary>A deterministic byte pattern of a given length, generated as it is read (no 1 GiB buffer).</summary>
    private sealed class PatternStream(long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            for (var i = 0; i < n; i++)
            {
                buffer[offset + i] = (byte)((_position + i) * 131 >> 3);
            }

            _position += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
