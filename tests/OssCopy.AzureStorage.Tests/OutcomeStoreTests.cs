using System.Text;
using OssCopy.Core.Backup;

namespace OssCopy.AzureStorage.Tests;

[Collection(AzuriteTests.Name)]
public sealed class OutcomeStoreTests(AzuriteFixture azurite)
{
    private async Task<OutcomeStore> CreateAsync(int shards = 4)
    {
        var store = new OutcomeStore(azurite.CreateClients(), TestNames.UniqueOptions(o => o.OutcomeShards = shards));
        await store.CreateIfNotExistsAsync(CancellationToken.None);
        return store;
    }

    private static ReportEntry Entry(string key, ReportAction action = ReportAction.Copied, string? error = null) => new()
    {
        Key = key,
        DestinationKey = "backup/" + key,
        Action = action,
        Size = Encoding.UTF8.GetByteCount(key),
        SourceETag = "\"etag\"",
        ErrorMessage = error,
    };

    [Fact]
    public async Task A_redelivered_outcome_finds_the_first_row_and_does_not_replace_it()
    {
        var store = await CreateAsync();
        var key = "dir/a#b?c\\d\u0007e";

        Assert.True(await store.TryAddAsync("run1", Entry(key), CancellationToken.None));
        Assert.False(await store.TryAddAsync("run1", Entry(key, ReportAction.Failed, "later"), CancellationToken.None));

        var found = await store.FindAsync("run1", key, CancellationToken.None);
        Assert.Equal(Entry(key), found);
        Assert.Null(await store.FindAsync("run2", key, CancellationToken.None));
        var recorded = await store.FindRecordedAsync("run1", [key, "other"], CancellationToken.None);
        Assert.Equal([key], recorded.Keys);
    }

    [Fact]
    public async Task Outcomes_with_1023_byte_and_forbidden_character_keys_read_back_in_OSS_key_order()
    {
        var store = await CreateAsync();
        var random = new Random(20261204);
        var keys = new HashSet<string>(StringComparer.Ordinal) { "/", "\\", "#", "?", "\u0001", "\u007f\u0085", "a", "a\u0000", "\uE000", "😀", "\uFFFF" };

        // Keys sharing their first 300 bytes: the row key cannot order them, the reader must.
        var longPrefix = new string('p', 300);
        for (var i = 0; i < 40; i++)
        {
            keys.Add(longPrefix + RandomText(random, random.Next(0, 200)));
        }

        keys.Add(longPrefix);
        keys.Add(Exactly1023Bytes('x'));
        keys.Add(Exactly1023Bytes('中'));
        while (keys.Count < 400)
        {
            keys.Add(RandomText(random, random.Next(1, 120)));
        }

        Assert.All(keys, k => Assert.True(Encoding.UTF8.GetByteCount(k) <= 1023));
        await store.UpsertAsync("run1", keys.Select(k => Entry(k)), CancellationToken.None);

        // Upserting again (a redelivered batch) changes nothing.
        await store.UpsertAsync("run1", keys.Take(50).Select(k => Entry(k)), CancellationToken.None);

        var read = new List<ReportEntry>();
        await foreach (var entry in store.ReadInKeyOrderAsync("run1", CancellationToken.None))
        {
            read.Add(entry);
        }

        var expected = keys.OrderBy(k => Encoding.UTF8.GetBytes(k), ByteOrder.Instance).ToList();
        Assert.Equal(expected, read.Select(e => e.Key));
        Assert.All(read, e => Assert.Equal(Entry(e.Key), e));
    }

    [Fact]
    public async Task Key_order_holds_across_result_pages_and_a_same_prefix_group_larger_than_a_page()
    {
        var store = await CreateAsync(shards: 2);
        var shared = new string('s', 290);
        var random = new Random(11);

        // 1,500 keys sharing their first 290 bytes (one row-key group spanning pages), 1,500 others.
        var keys = Enumerable.Range(0, 1500).Select(i => shared + RandomText(random, 1 + (i % 40)) + i.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Concat(Enumerable.Range(0, 1500).Select(i => RandomText(random, 1 + (i % 60)) + i.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            .ToHashSet(StringComparer.Ordinal);
        await store.UpsertAsync("big", keys.Select(k => Entry(k)), CancellationToken.None);

        var read = new List<string>();
        await foreach (var entry in store.ReadInKeyOrderAsync("big", CancellationToken.None))
        {
            read.Add(entry.Key);
        }

        Assert.Equal(keys.OrderBy(k => Encoding.UTF8.GetBytes(k), ByteOrder.Instance), read);
    }

    [Fact]
    public void Row_keys_of_the_longest_keys_fit_the_table_limit_and_avoid_forbidden_characters()
    {
        foreach (var key in new[] { Exactly1023Bytes('x'), Exactly1023Bytes('中'), Exactly1023Bytes('\u0001') })
        {
            var rowKey = TableKeys.RowKey(key);
            Assert.InRange(rowKey.Length, 1, 512);
            Assert.DoesNotContain(rowKey, c => c is '/' or '\\' or '#' or '?' || char.IsControl(c));
        }
    }

    [Fact]
    public void The_row_key_encoding_orders_as_the_bytes_it_encodes()
    {
        var random = new Random(7);
        var samples = Enumerable.Range(0, 2000).Select(_ =>
        {
            var bytes = new byte[random.Next(0, 8)];
            random.NextBytes(bytes);
            return bytes;
        }).ToList();

        foreach (var (a, b) in samples.Zip(samples.Skip(1)))
        {
            var expected = Math.Sign(ByteOrder.Instance.Compare(a, b));
            var actual = Math.Sign(string.CompareOrdinal(TableKeys.Encode(a), TableKeys.Encode(b)));
            Assert.True(expected == actual, $"{Convert.ToHexString(a)} vs {Convert.ToHexString(b)}: bytes {expected}, encoded {actual}");
        }
    }

    internal static string Exactly1023Bytes(char c, string prefix = "")
    {
        var perChar = Encoding.UTF8.GetByteCount(c.ToString());
        var text = prefix + new string(c, (1023 - Encoding.UTF8.GetByteCount(prefix)) / perChar);
        return text + new string('z', 1023 - Encoding.UTF8.GetByteCount(text));
    }

    private static string RandomText(Random random, int length)
    {
        var alphabet = new[] { "a", "b", "Z", "/", "#", "?", "\\", " ", "é", "中", "😀", "\uE000", "\uFFFD", "\u0001", "\t", "%", "'" };
        var builder = new StringBuilder();
        for (var i = 0; i < length; i++)
        {
            builder.Append(alphabet[random.Next(alphabet.Length)]);
        }

        return builder.ToString();
    }

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
