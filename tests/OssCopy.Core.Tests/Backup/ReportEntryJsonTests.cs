using System.Buffers;
using System.Text;
using System.Text.Json;
using OssCopy.Core.Backup;

namespace OssCopy.Core.Tests.Backup;

/// <summary>The report's hand-written entry writer against the serializer it stands in for, byte for byte.</summary>
public class ReportEntryJsonTests
{
    private static string Written(ReportEntry entry)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = ReportJson.CompactOptions.Encoder }))
        {
            ReportEntryJson.Write(writer, entry);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Fact]
    public void Every_property_set_is_written_as_the_serializer_writes_it()
    {
        // Reflection sets every property, so a field added to ReportEntry and not to the writer fails here.
        var entry = new ReportEntry { Key = "k", DestinationKey = "d", Action = ReportAction.Copied };
        var values = new Dictionary<Type, object>
        {
            [typeof(string)] = "text \"quoted\" 中文 <&> \u0001\t\\ 😀",
            [typeof(long)] = 1234567890123L,
            [typeof(bool?)] = false,
            [typeof(int?)] = 503,
            [typeof(double?)] = 12.3,
            [typeof(ReportAction)] = ReportAction.SourceChanged,
            [typeof(ReportReason)] = ReportReason.CopiedBefore,
        };
        foreach (var property in typeof(ReportEntry).GetProperties())
        {
            Assert.True(values.TryGetValue(property.PropertyType, out var value), $"no test value for {property.Name} ({property.PropertyType})");
            property.SetValue(entry, value);
        }

        Assert.Equal(JsonSerializer.Serialize(entry, ReportJson.CompactOptions), Written(entry));
    }

    public static TheoryData<ReportEntry> Entries => new()
    {
        new ReportEntry { Key = "a", DestinationKey = "b", Action = ReportAction.Unchanged },
        new ReportEntry
        {
            Key = "obj/000123", DestinationKey = "backup/obj/000123", Action = ReportAction.Copied, Reason = ReportReason.Missing, Size = 379,
            SourceETag = "\"9B7EEAB7D5643BB97D4595D6B3BA7C6A\"", Strategy = "SingleCopy", Verified = true, StatusCode = 200,
            RequestId = "0CD903450DABAEAE2C2ABB2B", ETag = "\"9B7EEAB7D5643BB97D4595D6B3BA7C6A\"", HashCrc64 = "4849793736556881000", DurationMs = 1.3,
        },
        new ReportEntry
        {
            Key = "文件 \"1\".txt", DestinationKey = "x/文件 \"1\".txt", Action = ReportAction.Failed, Reason = ReportReason.SizeDiffers, Size = 0,
            ErrorCode = "AccessDenied", ErrorMessage = "You have no right to access this object.\nLine two\u2028", Ec = "0003-00000001", StatusCode = 403,
            DurationMs = 0,
        },
        new ReportEntry { Key = "w", DestinationKey = "w", Action = ReportAction.WouldCopy, Reason = ReportReason.ETagDiffers, Requests = 7, DurationMs = 1e-7 },
        new ReportEntry { Key = "big", DestinationKey = "big", Action = ReportAction.Copied, Size = long.MaxValue, DurationMs = 123456789.123456789, Verified = false },
        new ReportEntry { Key = "odd", DestinationKey = "odd", Action = (ReportAction)42, Reason = (ReportReason)(-1) },
    };

    [Theory]
    [MemberData(nameof(Entries))]
    public void Entries_are_written_as_the_serializer_writes_them(ReportEntry entry) =>
        Assert.Equal(JsonSerializer.Serialize(entry, ReportJson.CompactOptions), Written(entry));

    [Fact]
    public void Every_action_and_reason_is_written_by_name()
    {
        foreach (var action in Enum.GetValues<ReportAction>())
        {
            foreach (var reason in Enum.GetValues<ReportReason>())
            {
                var entry = new ReportEntry { Key = "k", DestinationKey = "k", Action = action, Reason = reason };
                Assert.Equal(JsonSerializer.Serialize(entry, ReportJson.CompactOptions), Written(entry));
            }
        }
    }
}
