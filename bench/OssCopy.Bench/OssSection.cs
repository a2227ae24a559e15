using System.Globalization;
using OssCopy.Oss.Hashing;

namespace OssCopy.Bench;

/// <summary>The OSS client's hot paths: CRC-64 over one buffer, side by side with xz and a plain memory copy.</summary>
internal static unsafe class OssSection
{
    private const int BufferBytes = 256 << 20;
    private const int WarmUpBytes = 64 << 10;
    private const int Repetitions = 5;
    private const double HardwareFloor = 0.5;

    internal static int Run(BenchContext context)
    {
        var source = GC.AllocateUninitializedArray<byte>(BufferBytes, pinned: true);
        var target = GC.AllocateUninitializedArray<byte>(BufferBytes, pinned: true);
        new Random(20261125).NextBytes(source);
        Array.Fill(target, (byte)1);

        fixed (byte* from = source)
        fixed (byte* to = target)
        {
            var sourceAddress = from;
            var targetAddress = to;
            var expected = Crc64.AppendPortable(0, source);
            ResultLine[] lines =
            [
                Time("memory copy (Buffer.MemoryCopy)", null, n =>
                {
                    Buffer.MemoryCopy(sourceAddress, targetAddress, n, n);
                    return 0;
                }),
                Time(HardwareName(), expected, n => Crc64.AppendHardware(0, source.AsSpan(0, n))),
                Time("CRC-64 portable (slicing-by-8)", expected, n => Crc64.AppendPortable(0, source.AsSpan(0, n))),
                Time("xz lzma_crc64 (liblzma.so.5)", expected, n => Liblzma.Crc64(sourceAddress, (nuint)n, 0)),
            ];

            var memoryCopy = lines[0].GigabytesPerSecond;
            var report = new OssReport(
                BufferBytes,
                Repetitions,
                MachineDescription.Current(),
                [.. lines.Select(l => l with { RatioToMemoryCopy = l.GigabytesPerSecond / memoryCopy })],
                HardwareFloor);
            report.Print(Console.Out);
            report.Save(Path.Combine(context.ResultsFolder, "oss.json"));
            return report.Passed ? 0 : 1;
        }
    }

    /// <summary>Times <paramref name="run"/> over the whole buffer; a CRC must equal the table's, or nothing is reported.</summary>
    private static ResultLine Time(string name, ulong? expected, Func<int, ulong> run)
    {
        Measure.PromoteToOptimizedCode(() => run(WarmUpBytes));
        var best = Measure.Best(
            () =>
            {
                var crc = run(BufferBytes);
                if (expected is { } value && crc != value)
                {
                    throw new BenchmarkFailedException(string.Create(CultureInfo.InvariantCulture, $"{name} computed {crc:x16}, expected {value:x16}."));
                }
            },
            Repetitions);
        return new ResultLine(name, Measure.GigabytesPerSecond(BufferBytes, best), 0);
    }

    private static string HardwareName() =>
        Crc64.IsHardwareAccelerated
            ? string.Create(CultureInfo.InvariantCulture, $"CRC-64 hardware ({(Crc64Clmul.WidestVectorBits > 128 ? "VPCLMULQDQ" : "PCLMULQDQ")} {Crc64Clmul.WidestVectorBits}-bit)")
            : "CRC-64 hardware (unavailable on this CPU)";
}
