using OssCopy.Core.Backup;
using Microsoft.Extensions.Logging.Abstractions;

namespace OssCopy.AzureStorage.Tests;

[Collection(AzuriteTests.Name)]
public sealed class QueueTransportTests(AzuriteFixture azurite)
{
    private async Task<QueueTransport> CreateAsync(int maxDequeueCount)
    {
        var options = TestNames.UniqueOptions(o => o.MaxDequeueCount = maxDequeueCount);
        var queue = new QueueTransport(azurite.CreateClients(), options.CopyQueue, options.MaxDequeueCount, NullLogger<QueueTransport>.Instance);
        await queue.CreateIfNotExistsAsync(CancellationToken.None);
        return queue;
    }

    [Fact]
    public async Task A_message_stays_hidden_while_a_handler_runs_past_its_visibility_and_is_deleted_when_it_succeeds()
    {
        var options = TestNames.UniqueOptions();
        var queue = new QueueTransport(azurite.CreateClients(), options.ListQueue, 3, NullLogger<QueueTransport>.Instance) { ProcessingVisibility = TimeSpan.FromSeconds(1) };
        await queue.CreateIfNotExistsAsync(CancellationToken.None);
        var other = new QueueTransport(azurite.CreateClients(), options.ListQueue, 3, NullLogger<QueueTransport>.Instance) { ProcessingVisibility = TimeSpan.FromSeconds(1) };
        await queue.SendAsync(new ListStepMessage("p", "r", "0", null, null), null, CancellationToken.None);
        var seenElsewhere = 0;

        var dispositions = await queue.ProcessAsync(async (m, ct) =>
        {
            // Four visibilities long: without renewal the message would show again to another receiver.
            for (var i = 0; i < 8; i++)
            {
                await Task.Delay(500, ct);
                seenElsewhere += (await other.ReceiveAsync(1, ct)).Count;
            }
        }, null, 1, CancellationToken.None);

        Assert.Equal([MessageDisposition.Completed], dispositions);
        Assert.Equal(0, seenElsewhere);
        await Task.Delay(1500);
        Assert.Empty(await other.ReceiveAsync(1, CancellationToken.None));
    }

    [Fact]
    public async Task A_message_that_keeps_failing_goes_to_the_poison_queue_after_max_dequeues_with_its_last_error()
    {
        var queue = await CreateAsync(maxDequeueCount: 3);
        var batch = new CopyBatchMessage<string>("p", "run1", "b-0", ["a", "b"]);
        await queue.SendAsync(batch, null, CancellationToken.None);
        var deliveries = new List<long>();
        var poisoned = new List<(CopyBatchMessage<string> Batch, string? Error, long DequeueCount)>();

        var dispositions = new List<MessageDisposition>();
        for (var i = 0; i < 10 && !dispositions.Contains(MessageDisposition.Poisoned); i++)
        {
            dispositions.AddRange(await queue.ProcessAsync(
                (m, _) =>
                {
                    deliveries.Add(m.DequeueCount);
                    throw new InvalidOperationException($"copy failed on delivery {m.DequeueCount}");
                },
                (m, error, _) =>
                {
                    poisoned.Add((m.Decode<CopyBatchMessage<string>>(), error?.Message, m.DequeueCount));
                    return Task.CompletedTask;
                },
                1,
                CancellationToken.None));
        }

        Assert.Equal([1L, 2L, 3L], deliveries);
        Assert.Equal([MessageDisposition.Released, MessageDisposition.Released, MessageDisposition.Poisoned], dispositions);
        var poison = Assert.Single(poisoned);
        Assert.Equal(batch.Items, poison.Batch.Items);
        Assert.Equal("copy failed on delivery 3", poison.Error);
        Assert.Equal(0, await queue.ApproximateCountAsync(CancellationToken.None));
        var inPoisonQueue = Assert.Single(await queue.PeekPoisonAsync(10, CancellationToken.None));
        Assert.Equal(batch.Items, QueueMessageCodec.Decode<CopyBatchMessage<string>>(inPoisonQueue).Items);
        Assert.Equal(queue.Name + "-poison", queue.PoisonName);
    }

    [Fact]
    public async Task A_message_whose_workers_died_more_than_max_times_is_poisoned_without_running_the_handler()
    {
        var queue = await CreateAsync(maxDequeueCount: 2);
        var raw = azurite.CreateClients().Queues.GetQueueClient(queue.Name);
        await queue.SendAsync(new ListStepMessage("p", "r", "0", null, null), null, CancellationToken.None);

        // Two deliveries that neither deleted nor released the message: their workers crashed.
        for (var i = 0; i < 2; i++)
        {
            var message = (await raw.ReceiveMessageAsync()).Value;
            await raw.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero);
        }

        var handled = false;
        Exception? poisonError = new InvalidOperationException("not called");
        var dispositions = await queue.ProcessAsync((_, _) => { handled = true; return Task.CompletedTask; }, (_, e, _) => { poisonError = e; return Task.CompletedTask; }, 1, CancellationToken.None);

        Assert.Equal([MessageDisposition.Poisoned], dispositions);
        Assert.False(handled);
        Assert.Null(poisonError);
        Assert.Single(await queue.PeekPoisonAsync(10, CancellationToken.None));
    }

    [Fact]
    public async Task A_delayed_message_stays_invisible_until_its_delay_passes_and_a_handled_one_is_deleted()
    {
        var queue = await CreateAsync(maxDequeueCount: 5);
        await queue.SendAsync(new ListStepMessage("p", "r", "later", null, null), TimeSpan.FromMinutes(5), CancellationToken.None);
        await queue.SendAsync(new ListStepMessage("p", "r", "now", null, null), null, CancellationToken.None);

        var seen = new List<string>();
        var first = await queue.ProcessAsync((m, _) => { seen.Add(m.Decode<ListStepMessage>().RangeId); return Task.CompletedTask; }, null, 32, CancellationToken.None);
        var second = await queue.ProcessAsync((m, _) => { seen.Add(m.Decode<ListStepMessage>().RangeId); return Task.CompletedTask; }, null, 32, CancellationToken.None);

        Assert.Equal([MessageDisposition.Completed], first);
        Assert.Empty(second);
        Assert.Equal(["now"], seen);
        Assert.Equal(1, await queue.ApproximateCountAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Messages_are_Base64_on_the_wire_as_the_Functions_queue_trigger_expects()
    {
        var queue = await CreateAsync(maxDequeueCount: 5);
        var step = new ListStepMessage("p", "r", "中", null, null);
        await queue.SendAsync(step, null, CancellationToken.None);

        // A client without Base64 decoding sees what the service stores.
        var plain = new Azure.Storage.Queues.QueueServiceClient(azurite.ConnectionString).GetQueueClient(queue.Name);
        var peeked = (await plain.PeekMessageAsync()).Value;

        Assert.Equal(QueueMessageCodec.Encode(step).ToArray(), Convert.FromBase64String(peeked.Body.ToString()));
    }
}

[Collection(AzuriteTests.Name)]
public sealed class PoisonToOutcomesTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_poisoned_copy_batch_records_its_objects_as_failed_with_the_last_error_and_keeps_those_already_done()
    {
        var options = TestNames.UniqueOptions(o => o.MaxDequeueCount = 2);
        var clients = azurite.CreateClients();
        var queue = new QueueTransport(clients, options.CopyQueue, options.MaxDequeueCount, NullLogger<QueueTransport>.Instance);
        var outcomes = new OutcomeStore(clients, options);
        await queue.CreateIfNotExistsAsync(CancellationToken.None);
        await outcomes.CreateIfNotExistsAsync(CancellationToken.None);
        var items = new[] { "a", "b#?", "c" }.Select(k => WorkItems.Item(k, 1, "\"e\"", null)).ToList();
        await queue.SendAsync(new CopyBatchMessage<CopyWorkItem>("p", "run1", "b-0", items), null, CancellationToken.None);

        // Each delivery copies "a", then fails on "b#?".
        async Task Copy(ReceivedMessage message, CancellationToken cancellationToken)
        {
            var batch = message.Decode<CopyBatchMessage<CopyWorkItem>>();
            var done = await outcomes.FindRecordedAsync(batch.RunId, batch.Items.Select(i => i.Source.Key), cancellationToken);
            foreach (var item in batch.Items.Where(i => !done.ContainsKey(i.Source.Key)))
            {
                if (item.Source.Key == "b#?")
                {
                    throw new InvalidOperationException("InternalError from the destination");
                }

                await outcomes.TryAddAsync(batch.RunId, new() { Key = item.Source.Key, DestinationKey = "d/" + item.RelativeKey, Action = OssCopy.Core.Backup.ReportAction.Copied, Size = item.Source.Size }, cancellationToken);
            }
        }

        async Task Poison(ReceivedMessage message, Exception? error, CancellationToken cancellationToken)
        {
            var batch = message.Decode<CopyBatchMessage<CopyWorkItem>>();
            foreach (var item in batch.Items)
            {
                await outcomes.TryAddAsync(batch.RunId, new()
                {
                    Key = item.Source.Key,
                    DestinationKey = "d/" + item.RelativeKey,
                    Action = OssCopy.Core.Backup.ReportAction.Failed,
                    Size = item.Source.Size,
                    ErrorMessage = error?.Message ?? "delivered too often",
                }, cancellationToken);
            }
        }

        var dispositions = new List<MessageDisposition>();
        for (var i = 0; i < 5 && !dispositions.Contains(MessageDisposition.Poisoned); i++)
        {
            dispositions.AddRange(await queue.ProcessAsync(Copy, Poison, 1, CancellationToken.None));
        }

        var report = new List<OssCopy.Core.Backup.ReportEntry>();
        await foreach (var entry in outcomes.ReadInKeyOrderAsync("run1", CancellationToken.None))
        {
            report.Add(entry);
        }

        Assert.Equal([MessageDisposition.Released, MessageDisposition.Poisoned], dispositions);
        Assert.Equal(["a", "b#?", "c"], report.Select(e => e.Key));
        Assert.Equal([OssCopy.Core.Backup.ReportAction.Copied, OssCopy.Core.Backup.ReportAction.Failed, OssCopy.Core.Backup.ReportAction.Failed], report.Select(e => e.Action));
        Assert.Equal("InternalError from the destination", report[1].ErrorMessage);
    }
}
