using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using LocalOss.Tests.Support;

namespace LocalOss.Tests;

/// <summary>LocalOss as a separate process, killed with SIGKILL: what it acknowledged must survive.</summary>
public sealed partial class CrashTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "localoss-crash-" + Guid.NewGuid().ToString("N"));
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };

    public void Dispose()
    {
        _http.Dispose();
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    [Fact]
    public async Task Killed_server_keeps_every_acknowledged_write_and_no_partial_upload()
    {
        var objects = new Dictionary<string, byte[]>();
        var bucket = OssTestClient.NewBucketName();
        using (var first = await ServerProcess.StartAsync(_data))
        {
            var client = new OssTestClient(_http, first.BaseAddress);
            Assert.Equal(200, (await client.CreateBucketAsync(bucket)).Status);
            for (var i = 0; i < 20; i++)
            {
                var data = RandomNumberGenerator.GetBytes(1000 + i);
                Assert.Equal(200, (await client.PutAsync(bucket, $"obj/{i}", data)).Status);
                objects[$"obj/{i}"] = data;
            }

            Assert.Equal(200, (await client.CopyAsync(bucket, "obj/3", bucket, "copy/3")).Status);
            objects["copy/3"] = objects["obj/3"];

            // An upload still streaming when the process dies.
            var slow = new HttpRequestMessage(HttpMethod.Put, new Uri(first.BaseAddress, $"/{bucket}/partial"))
            {
                Content = new StreamContent(new EndlessStream()),
            };
            var context = new OssCopy.Oss.Signing.OssSigningContext
            {
                Method = "PUT", Bucket = bucket, Key = "partial", Credentials = OssTestClient.DevCredentials,
            };
            new OssCopy.Oss.Signing.OssSignerV4().SignHeaders(context);
            foreach (var (name, value) in context.Headers)
            {
                slow.Headers.TryAddWithoutValidation(name, value);
            }

            var pending = _http.SendAsync(slow);
            await Task.Delay(500);
            first.Kill();
            await Assert.ThrowsAnyAsync<Exception>(() => pending);
        }

        using var second = await ServerProcess.StartAsync(_data);
        var after = new OssTestClient(_http, second.BaseAddress);
        foreach (var (key, data) in objects)
        {
            var get = await after.GetAsync(bucket, key);
            Assert.Equal(200, get.Status);
            Assert.Equal(data, get.Body);
        }

        Assert.Equal(404, (await after.HeadAsync(bucket, "partial")).Status);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_data, "tmp")));
    }

    /// <summary>Never ends: the body of an upload cut by the crash.</summary>
    private sealed class EndlessStream : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            Thread.Sleep(1);
            Array.Fill(buffer, (byte)'x', offset, Math.Min(count, 4096));
            return Math.Min(count, 4096);
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private sealed partial class ServerProcess : IDisposable
    {
        private readonly Process _process;

        private ServerProcess(Process process, Uri baseAddress)
        {
            _process = process;
            BaseAddress = baseAddress;
        }

        public Uri BaseAddress { get; }

        public static async Task<ServerProcess> StartAsync(string data)
        {
            var dll = Path.Combine(AppContext.BaseDirectory, "LocalOss.dll");
            var info = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[] { dll, "--port", "0", "--data", data })
            {
                info.ArgumentList.Add(argument);
            }

            var process = Process.Start(info)!;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (Listening().Match(line) is { Success: true } match)
                {
                    return new ServerProcess(process, new Uri(match.Groups[1].Value));
                }
            }

            throw new InvalidOperationException("LocalOss exited: " + await process.StandardError.ReadToEndAsync());
        }

        /// <summary>SIGKILL: no shutdown code runs, as in a crash.</summary>
        public void Kill()
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                Kill();
            }

            _process.Dispose();
        }

        [GeneratedRegex(@"listening on (http://127\.0\.0\.1:\d+)")]
        private static partial Regex Listening();
    }
}
