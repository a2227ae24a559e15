using System.Text;
using Azure.Storage.Queues;
using OssCopy.Core.Backup;

namespace OssCopy.AzureStorage.Tests;

[Collection(AzuriteTests.Name)]
public sealed class CopyBatchBuilderTests(AzuriteFixture azurite)
{
    private const int Budget = 60 * 1024;

    private static List<CopyWorkItem> LongKeyItems()
    {
        // ASCII, 3-byte CJK, and control characters the JSON writer escapes to six bytes each: the worst case.
        var fills = new[] { 'x', '中', '\u0001', 'é' };
        return [.. Enumerable.Range(0, 200).Select(i =>
        {
            var key = OutcomeStoreTests.Exactly1023Bytes(fills[i % fills.Length], i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture));
            return WorkItems.Item(key, i * 1000L, "\"0123456789ABCDEF0123456789ABCDEF\"", DateTimeOffset.UnixEpoch.AddDays(i), withDestination: true);
        })];
    }

    [Fact]
    public void Batches_of_1023_byte_keys_stay_under_the_budget_and_are_packed_full()
    {
        var items = LongKeyItems();
        Assert.All(items, i => Assert.Equal(1023, Encoding.UTF8.GetByteCount(i.RelativeKey)));
        var builder = new CopyBatchBuilder<CopyWorkItem>("nightly", "20261204T120000Z-abcdef012345", Budget) { BatchIdPrefix = "step-7" };

        var batches = builder.Pack(items).ToList();

        Assert.True(batches.Count > 5, $"{batches.Count} batches: the items should not fit a few");
        Assert.Equal(items, batches.SelectMany(b => b.Items));
        Assert.Equal(batches.Count, batches.Select(b => b.BatchId).Distinct().Count());
        var offset = 0;
        foreach (var batch in batches)
        {
            var encoded = Convert.ToBase64String(QueueMessageCodec.Encode(batch).ToArray()).Length;
            Assert.True(encoded <= Budget, $"{batch.BatchId}: {encoded} bytes encoded");
            offset += batch.Items.Count;
            if (offset < items.Count)
            {
                // Full: the next item would not have fitted.
                var bigger = batch with { Items = [.. batch.Items, items[offset]] };
                Assert.True(Convert.ToBase64String(QueueMessageCodec.Encode(bigger).ToArray()).Length > Budget, $"{batch.BatchId} had room for one more item");
            }
        }
    }

    [Fact]
    public async Task A_full_batch_goes_through_a_real_queue_and_decodes_to_the_same_items()
    {
        var options = TestNames.UniqueOptions();
        var clients = azurite.CreateClients();
        var queue = new QueueTransport(clients, options.CopyQueue, options.MaxDequeueCount, Microsoft.Extensions.Logging.Abstractions.NullLogger<QueueTransport>.Instance);
        await queue.CreateIfNotExistsAsync(CancellationToken.None);
        var batch = new CopyBatchBuilder<CopyWorkItem>("nightly", "run1", options.MaxEncodedMessageBytes).Pack(LongKeyItems()).First();

        await queue.SendAsync(batch, null, CancellationToken.None);
        CopyBatchMessage<CopyWorkItem>? received = null;
        var results = await queue.ProcessAsync((m, _) => { received = m.Decode<CopyBatchMessage<CopyWorkItem>>(); return Task.CompletedTask; }, null, 1, CancellationToken.None);

        Assert.Equal([MessageDisposition.Completed], results);
        Assert.NotNull(received);
        Assert.Equal(batch.Items, received.Items);
        Assert.Equal(batch with { Items = [] }, received with { Items = [] });
    }

    [Fact]
    public async Task The_queue_refuses_a_message_over_64_KiB_so_the_budget_matters()
    {
        var options = TestNames.UniqueOptions();
        var queue = azurite.CreateClients().Queues.GetQueueClient(options.CopyQueue);
        await queue.CreateAsync();

        var tooBig = BinaryData.FromBytes(new byte[(64 * 1024 / 4 * 3) + 3]);

        var error = await Assert.ThrowsAsync<Azure.RequestFailedException>(() => queue.SendMessageAsync(tooBig));
        Assert.Equal((413, "RequestBodyTooLarge"), (error.Status, error.ErrorCode));

        // One byte less (65,536 encoded) is accepted: the limit is on the Base64 text.
        await queue.SendMessageAsync(BinaryData.FromBytes(new byte[64 * 1024 / 4 * 3]));
        Assert.Equal(QueueMessageEncoding.Base64, AzureStorageClients.QueueOptions().MessageEncoding);
    }

    [Fact]
    public void An_item_too_big_for_any_message_is_refused_by_name()
    {
        var builder = new CopyBatchBuilder<string>("p", "r", 8 * 1024);

        var error = Assert.Throws<ArgumentException>(() => builder.Add(new string('x', 7 * 1024)));

        Assert.Contains("over the message budget", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Step_messages_round_trip_through_the_codec()
    {
        var step = new ListStepMessage("nightly", "run1", "range-3", "a/b#c?\u0001中", null);

        var decoded = QueueMessageCodec.Decode<ListStepMessage>(QueueMessageCodec.Encode(step));

        Assert.Equal(step, decoded);
    }
}
