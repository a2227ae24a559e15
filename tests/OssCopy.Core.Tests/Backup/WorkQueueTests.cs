using OssCopy.Core.Backup;

namespace OssCopy.Core.Tests.Backup;

public sealed class WorkQueueTests
{
    [Fact]
    public async Task A_writer_below_capacity_does_not_wait()
    {
        var queue = new WorkQueue<int>(4);

        for (var i = 0; i < 3; i++)
        {
            var write = queue.WriteAsync(i, CancellationToken.None);
            Assert.True(write.IsCompleted);
            await write;
        }

        queue.Complete();
        Assert.Equal([0, 1, 2], await ReadAllAsync(queue));
    }

    [Fact]
    public async Task A_full_queue_makes_the_writer_wait_until_the_workers_took_it_down_to_half()
    {
        var queue = new WorkQueue<int>(4);
        for (var i = 0; i < 3; i++)
        {
            await queue.WriteAsync(i, CancellationToken.None);
        }

        var fourth = queue.WriteAsync(3, CancellationToken.None).AsTask();
        Assert.False(fourth.IsCompleted);

        await using var reader = queue.ReadAllAsync(CancellationToken.None).GetAsyncEnumerator();
        Assert.True(await reader.MoveNextAsync());
        Assert.Equal(0, reader.Current);
        await Task.Delay(50);
        Assert.False(fourth.IsCompleted);

        Assert.True(await reader.MoveNextAsync());
        Assert.Equal(1, reader.Current);
        await fourth.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_waiting_writer_is_cancelled_by_its_token()
    {
        var queue = new WorkQueue<int>(1);
        using var cancel = new CancellationTokenSource();

        var write = queue.WriteAsync(0, cancel.Token).AsTask();
        Assert.False(write.IsCompleted);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => write);
    }

    [Fact]
    public async Task Many_workers_get_every_item_exactly_once_while_the_writer_waits_and_resumes()
    {
        var queue = new WorkQueue<int>(8);
        var taken = new System.Collections.Concurrent.ConcurrentBag<int>();
        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            await foreach (var item in queue.ReadAllAsync(CancellationToken.None))
            {
                taken.Add(item);
                await Task.Yield();
            }
        })).ToList();

        for (var i = 0; i < 10_000; i++)
        {
            await queue.WriteAsync(i, CancellationToken.None);
        }

        queue.Complete();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(Enumerable.Range(0, 10_000), taken.OrderBy(i => i));
    }

    private static async Task<List<int>> ReadAllAsync(WorkQueue<int> queue)
    {
        var items = new List<int>();
        await foreach (var item in queue.ReadAllAsync(CancellationToken.None))
        {
            items.Add(item);
        }

        return items;
    }
}
