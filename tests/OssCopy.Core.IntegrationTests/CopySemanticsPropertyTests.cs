using Xunit.Abstractions;

namespace OssCopy.Core.IntegrationTests;

/// <summary>
/// <see cref="CopySemanticsProperty"/> against LocalOss: <c>OSSCOPY_PROPERTY_CASES</c> sets the case count and
/// <c>OSSCOPY_PROPERTY_SEED</c> replays a failure (its message names the seed).
/// </summary>
public class CopySemanticsPropertyTests(LocalOssFixture oss, ITestOutputHelper output) : IClassFixture<LocalOssFixture>
{
    [Fact]
    public async Task Single_and_multipart_copies_give_the_same_destination_the_one_description_promised()
    {
        var source = await oss.NewBucketAsync("sem-src");
        var destination = await oss.NewBucketAsync("sem-dst");
        output.WriteLine($"{CopySemanticsProperty.Cases} cases, seed {CopySemanticsProperty.Seed}");

        await CopySemanticsProperty.RunAsync(oss.Admin, source, destination, output.WriteLine);
    }
}
