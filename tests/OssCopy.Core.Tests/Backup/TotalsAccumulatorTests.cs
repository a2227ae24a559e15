using OssCopy.Core.Backup;

namespace OssCopy.Core.Tests.Backup;

public class TotalsAccumulatorTests
{
    [Fact]
    public void Sums_every_field_in_place_and_by_adding_records()
    {
        // Every property gets its own value, so a field the accumulator forgot (one added to ReportTotals later) shows.
        var properties = typeof(ReportTotals).GetProperties().Where(p => p.PropertyType == typeof(long)).ToList();
        ReportTotals Make(long seed)
        {
            var totals = new ReportTotals();
            for (var i = 0; i < properties.Count; i++)
            {
                properties[i].SetValue(totals, seed * (i + 1));
            }

            return totals;
        }

        var initial = Make(1000);
        var deltas = Enumerable.Range(1, 5).Select(i => Make(i)).ToList();
        var accumulator = new TotalsAccumulator(initial);
        foreach (var delta in deltas)
        {
            accumulator.Add(delta);
        }

        // Field i holds (1000 + 1 + 2 + 3 + 4 + 5) × (i + 1), whichever way it was summed.
        var expected = Make(1015);
        Assert.Equal(expected, accumulator.ToTotals());
        Assert.Equal(expected, deltas.Aggregate(initial, (sum, delta) => sum + delta));
        Assert.Equal(new ReportTotals(), new TotalsAccumulator().ToTotals());
    }
}
