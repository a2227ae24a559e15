using OssCopy.AzureStorage.DistributedBackupRun;

namespace OssCopy.AzureStorage.Tests;

public sealed class CopyOrderTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(200)]
    [InlineData(1000)]
    [InlineData(1024)]
    public void The_spread_order_holds_every_item_of_the_window_once(int count)
    {
        var items = Enumerable.Range(0, count).ToList();

        var spread = ListStepHandler.SpreadOrder(items);

        Assert.Equal(items, spread.Order());
    }

    [Fact]
    public void Copies_in_flight_together_lie_far_apart_in_key_order_and_a_redelivered_step_orders_them_alike()
    {
        // A listing page of 1,000 keys: of any 8 consecutive items (a batch's copies in flight), at most 2 fall in one
        // eighth of the page, where listing order puts all 8 side by side in one.
        var items = Enumerable.Range(0, 1000).ToList();

        var spread = ListStepHandler.SpreadOrder(items);

        for (var start = 0; start + 8 <= spread.Count; start++)
        {
            var window = spread.Skip(start).Take(8).ToList();
            var crowded = window.GroupBy(i => i / 125).Max(g => g.Count());
            Assert.True(crowded <= 2, $"items {start}..{start + 7} ({string.Join(", ", window)}) put {crowded} in one eighth of the page");
        }

        Assert.Equal(spread, ListStepHandler.SpreadOrder(items));
    }
}
