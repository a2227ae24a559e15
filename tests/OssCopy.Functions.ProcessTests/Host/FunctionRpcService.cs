using Grpc.Core;
using OssCopy.Functions.ProcessTests.Protocol;

namespace OssCopy.Functions.ProcessTests.Host;

/// <summary>
/// The server side of <c>EventStream</c>: the worker opens the stream and sends <c>StartStream</c> with its worker
/// id; from then on the stream is that worker's <see cref="WorkerChannel"/> until either side ends it.
/// </summary>
public sealed class FunctionRpcService(WorkerChannels channels) : FunctionRpc.FunctionRpcBase
{
    public override async Task EventStream(IAsyncStreamReader<StreamingMessage> requestStream, IServerStreamWriter<StreamingMessage> responseStream,
        ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(context);
        if (!await requestStream.MoveNext(context.CancellationToken) || requestStream.Current.StartStream is not { } start)
        {
            throw new Grpc.Core.RpcException(new Status(StatusCode.FailedPrecondition, "A worker's stream starts with StartStream."));
        }

        var channel = new WorkerChannel(start.WorkerId, responseStream);
        channels.Connected(channel);
        try
        {
            while (await requestStream.MoveNext(context.CancellationToken))
            {
                channel.Received(requestStream.Current);
            }
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The worker went away (stopped or killed): the channel reports it to whoever waits.
        }
        catch (IOException)
        {
            // As above: a killed worker's connection ends mid-frame.
        }
        finally
        {
            channel.Complete();
        }
    }
}
