using System.Globalization;
using System.Text;
using System.Text.Json;
using OssCopy.Oss.Hashing;
using OssCopy.Oss.Tests.Support;

namespace OssCopy.Oss.Tests.Hashing;

/// <summary>The shared vectors (official SDK tests and the check value), read from crc64.json on every path.</summary>
public class Crc64VectorTests
{
    public static TheoryData<string> VectorNames() => Names("vectors");

    public static TheoryData<string> CombineVectorNames() => Names("combine_vectors");

    [Fact]
    public void The_file_holds_the_vectors_it_counts()
    {
        using var doc = SharedVectors.Load("crc64.json");
        var root = doc.RootElement;
        Assert.Equal(root.GetProperty("count").GetInt32(), root.GetProperty("vectors").GetArrayLength() + root.GetProperty("combine_vectors").GetArrayLength());
        Assert.True(root.GetProperty("vectors").GetArrayLength() > 0);
    }

    [Theory]
    [MemberData(nameof(VectorNames))]
    public void Every_path_computes_the_vector(string name)
    {
        var vector = Find("vectors", name);
        var input = Utf8(vector, "input_utf8");
        Assert.Equal(vector.GetProperty("input_len").GetInt32(), input.Length);
        var expected = Decimal(vector, "expected_decimal");
        Assert.Equal(expected, ulong.Parse(vector.GetProperty("expected_hex").GetString()![2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture));

        Assert.Equal(expected, Crc64.Compute(input));
        foreach (var (path, append) in Crc64Paths.All())
        {
            Assert.True(expected == append(0, input), $"{path} gave {append(0, input)} for {name}");
        }
    }

    [Fact]
    public void A_vector_that_extends_another_is_its_append()
    {
        var pairs = 0;
        var vectors = All("vectors");
        foreach (var prefix in vectors)
        {
            foreach (var whole in vectors)
            {
                var a = prefix.GetProperty("input_utf8").GetString()!;
                var ab = whole.GetProperty("input_utf8").GetString()!;
                if (a.Length == 0 || a.Length >= ab.Length || !ab.StartsWith(a, StringComparison.Ordinal))
                {
                    continue;
                }

                pairs++;
                var rest = Encoding.UTF8.GetBytes(ab[a.Length..]);
                foreach (var (path, append) in Crc64Paths.All())
                {
                    Assert.True(Decimal(whole, "expected_decimal") == append(Decimal(prefix, "expected_decimal"), rest), path);
                }
            }
        }

        // The file's OSS append-object case (part 1, then part 1 + part 2) is such a pair.
        Assert.True(pairs > 0);
    }

    [Theory]
    [MemberData(nameof(CombineVectorNames))]
    public void Combine_vector_holds(string name)
    {
        var vector = Find("combine_vectors", name);
        var expected = Decimal(vector, "expected_combined_decimal");
        if (vector.TryGetProperty("text_utf8", out _))
        {
            var text = Utf8(vector, "text_utf8");
            Assert.Equal(expected, Crc64.Compute(text));
            for (var i = 0; i <= text.Length; i++)
            {
                var combined = Crc64.Combine(Crc64.Compute(text.AsSpan(0, i)), Crc64.Compute(text.AsSpan(i)), text.Length - i);
                Assert.True(expected == combined, $"split at {i}");
            }

            return;
        }

        var part1 = Utf8(vector, "part1_utf8");
        var part2 = Utf8(vector, "part2_utf8");
        var crc1 = Decimal(vector, "crc1_decimal");
        var crc2 = Decimal(vector, "crc2_decimal");
        var length2 = vector.GetProperty("len2").GetInt64();
        Assert.Equal(part2.Length, length2);
        foreach (var (path, append) in Crc64Paths.All())
        {
            Assert.True(crc1 == append(0, part1), path);
            Assert.True(crc2 == append(0, part2), path);
            Assert.True(expected == append(0, [.. part1, .. part2]), path);
        }

        Assert.Equal(expected, Crc64.Combine(crc1, crc2, length2));
    }

    private static byte[] Utf8(JsonElement vector, string property) => Encoding.UTF8.GetBytes(vector.GetProperty(property).GetString()!);

    private static ulong Decimal(JsonElement vector, string property) =>
        ulong.Parse(vector.GetProperty(property).GetString()!, NumberStyles.None, CultureInfo.InvariantCulture);

    private static TheoryData<string> Names(string array) => new(All(array).Select(v => v.GetProperty("name").GetString()!));

    private static JsonElement Find(string array, string name) => All(array).Single(v => v.GetProperty("name").GetString() == name);

    private static JsonElement[] All(string array)
    {
        using var doc = SharedVectors.Load("crc64.json");
        return doc.RootElement.GetProperty(array).EnumerateArray().Select(v => v.Clone()).ToArray();
    }
}
