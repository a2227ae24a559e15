using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OssCopy.Oss.Tests.Support;

/// <summary>
/// A minimal HTTP/1.1 server on loopback that answers with raw bytes, for what a well-behaved server never does:
/// redirects, stalls after the headers, bodies cut short, header bytes exactly as written.
/// </summary>
public sealed class RawHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<string, int, Task<byte[]?>> _respond;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _requests;

    /// <param name="respond">Given the request head and its ordinal, the raw answer; null leaves the connection silent.</param>
    public RawHttpServer(Func<string, int, Task<byte[]?>> respond)
    {
        _respond = respond;
        _listener.Start();
        _loop = AcceptAsync();
    }

    public Uri BaseAddress => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    public int Requests => Volatile.Read(ref _requests);

    public List<string> Heads { get; } = [];

    public static byte[] Answer(string head, string body = "") =>
        Encoding.UTF8.GetBytes(head.Replace("\n", "\r\n", StringComparison.Ordinal) + "\r\n\r\n" + body);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            var buffer = new byte[64 * 1024];
            var received = new StringBuilder();
            try
            {
                while (!received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var read = await stream.ReadAsync(buffer, _stop.Token);
                    if (read == 0)
                    {
                        return;
                    }

                    received.Append(Encoding.UTF8.GetString(buffer, 0, read));
                }

                var head = received.ToString().Split("\r\n\r\n")[0];
                lock (Heads)
                {
                    Heads.Add(head);
                }

                var answer = await _respond(head, Interlocked.Increment(ref _requests));
                if (answer is null)
                {
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                    return;
                }

                await stream.WriteAsync(answer, _stop.Token);
                await stream.FlushAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException)
            {
                // The client went away or the server stopped: nothing more to answer.
            }
        }
    }
}
