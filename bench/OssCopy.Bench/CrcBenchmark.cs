using System.Globalization;
using OssCopy.Oss.Hashing;

namespace OssCopy.Bench;

/// <summary>CRC-64 hardware and portable, xz's lzma_crc64 and a memory copy, on one buffer of random bytes.</summary>
internal static unsafe class CrcBenchmark
{
    internal const int BufferBytes = 256 << 20;
    private const int WarmUpBytes = 64 << 10;

    /// <summary>The memory copy first, every line's ratio is to it; the hardware CRC second.</summary>
    internal static IReadOnlyList<ResultLine> Run(int repetitions)
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
                Time("memory copy (Buffer.MemoryCopy)", null, repetitions, n =>
                {
                    Buffer.MemoryCopy(sourceAddress, targetAddress, n, n);
                    return 0;
                }),
                Time(HardwareName(), expected, repetitions, n => Crc64.AppendHardware(0, source.AsSpan(0, n))),
                Time("CRC-64 portable (slicing-by-8)", expected, repetitions, n => Crc64.AppendPortable(0, source.AsSpan(0, n))),
                Time("xz lzma_crc64 (liblzma.so.5)", expected, repetitions, n => Liblzma.Crc64(sourceAddress, (nuint)n, 0)),
            ];
            return [.. lines.Select(l => l with { RatioToMemoryCopy = l.GigabytesPerSecond / lines[0].GigabytesPerSecond })];
        }
    }

    /// <summary>Times <paramref name="run"/> over the whole buffer; a CRC must equal the table's, or nothing is reported.</summary>
    private static ResultLine Time(string name, ulong? expected, int repetitions, Func<int, ulong> run)
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
            repetitions);
        return new ResultLine(name, Measure.GigabytesPerSecond(BufferBytes, best), 0);
    }

    private static string HardwareName() =>
        Crc64.IsHardwareAccelerated
            ? string.Create(CultureInfo.InvariantCulture, $"CRC-64 hardware ({(Crc64Clmul.WidestVectorBits > 128 ? "VPCLMULQDQ" : "PCLMULQDQ")} {Crc64Clmul.WidestVectorBits}-bit)")
            : "CRC-64 hardware (unavailable on this CPU)";
}
