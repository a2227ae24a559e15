using OssCopy.Oss.Hashing;

namespace OssCopy.Oss.Tests.Hashing;

public class Crc64FormatTests
{
    [Theory]
    [InlineData(0UL, "0")]
    [InlineData(1UL, "1")]
    [InlineData(11051210869376104954UL, "11051210869376104954")]
    [InlineData(ulong.MaxValue, "18446744073709551615")]
    public void Format_is_unsigned_decimal_and_parses_back(ulong crc, string header)
    {
        Assert.Equal(header, Crc64.Format(crc));
        Assert.True(Crc64.TryParse(header, out var parsed));
        Assert.Equal(crc, parsed);
    }

    [Fact]
    public void Random_values_round_trip()
    {
        var random = new Random(17);
        for (var i = 0; i < 1000; i++)
        {
            var crc = (ulong)random.NextInt64() ^ ((ulong)random.Next(2) << 63);
            Assert.True(Crc64.TryParse(Crc64.Format(crc), out var parsed));
            Assert.Equal(crc, parsed);
        }
    }

    [Theory]
    [InlineData(" 42")]
    [InlineData("42\t")]
    public void Optional_whitespace_around_the_value_is_allowed(string header)
    {
        Assert.True(Crc64.TryParse(header, out var crc));
        Assert.Equal(42UL, crc);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("-7395533204333446662")]
    [InlineData("-1")]
    [InlineData("+1")]
    [InlineData("0x995dc9bbdf1939fa")]
    [InlineData("995dc9bbdf1939fa")]
    [InlineData("18446744073709551616")]
    [InlineData("99999999999999999999999")]
    [InlineData("1,000")]
    [InlineData("1.0")]
    [InlineData("1e3")]
    [InlineData("1 2")]
    [InlineData("abc")]
    [InlineData("\u0661\u0662")]
    [InlineData("12\n")]
    public void Junk_is_rejected(string? header)
    {
        Assert.False(Crc64.TryParse(header, out var crc));
        Assert.Equal(0UL, crc);
    }
}
