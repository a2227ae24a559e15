using OssCopy.Core.Backup;

namespace OssCopy.Core.Tests.Backup;

public class TotalsAccumulatorTests
{
    [Fact]
    public void Sums_every_field_exactly_as_adding_the_records_does()
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

        Assert.Equal(deltas.Aggregate(initial, (sum, delta) => sum + delta), accumulator.ToTotals());
        Assert.Equal(new ReportTotals(), new TotalsAccumulator().ToTotals());
    }
}
