namespace OssCopy.Oss.Tests.Configuration;

public class TaggingTests
{
    [Theory]
    [InlineData("A=1&B=2", "A=1&B=2")]
    [InlineData("key%20one=value%2Btwo", "key%20one=value%2Btwo")]
    [InlineData("k 1=v/2:3", "k%201=v%2F2%3A3")]
    [InlineData("bare", "bare")]
    [InlineData("", "")]
    public void Parses_and_formats_the_header_form(string input, string expected) =>
        Assert.Equal(expected, OssTagging.Parse(input).ToString());

    [Fact]
    public void Ten_tags_with_the_longest_keys_and_values_are_accepted()
    {
        var tagging = OssTagging.Parse(string.Join('&', Enumerable.Range(0, 10).Select(i => $"{i}{new string('k', 127)}={new string('v', 256)}")));
        Assert.Equal(10, tagging.Count);
    }

    [Theory]
    [InlineData("a=1&&b=2")]
    [InlineData("a=1&")]
    [InlineData("=v")]
    [InlineData("a=b=c")]
    [InlineData("a=1&a=2")]
    public void Malformed_strings_are_refused_naming_the_parameter(string input)
    {
        var error = Assert.Throws<ArgumentException>(() => OssTagging.Parse(input, "Tagging"));
        Assert.Equal("Tagging", error.ParamName);
    }

    [Fact]
    public void Equality_ignores_order()
    {
        Assert.Equal(OssTagging.Parse("a=1&b=2"), OssTagging.Parse("b=2&a=1"));
        Assert.NotEqual(OssTagging.Parse("a=1&b=2"), OssTagging.Parse("a=1&b=3"));
        Assert.Equal(OssTagging.Parse("a=1&b=2").GetHashCode(), OssTagging.Parse("b=2&a=1").GetHashCode());
    }
}
