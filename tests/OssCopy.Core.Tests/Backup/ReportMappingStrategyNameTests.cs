using OssCopy.Core.Backup;
using OssCopy.Core.Copying;

namespace OssCopy.Core.Tests.Backup;

public class ReportMappingStrategyNameTests
{
    [Fact]
    public void Every_strategy_is_reported_by_its_enum_name()
    {
        foreach (var strategy in Enum.GetValues<CopyStrategy>())
        {
            Assert.Equal(strategy.ToString(), ReportMapping.StrategyName(strategy));
        }

        Assert.Equal("42", ReportMapping.StrategyName((CopyStrategy)42));
    }
}
