using System.Globalization;
using System.Text.Json;

namespace OssCopy.Bench;

internal sealed record ResultLine(string Name, double GigabytesPerSecond, double RatioToMemoryCopy);

/// <summary>
/// The OSS section's figures. <see cref="Crc"/> is in <see cref="CrcBenchmark.Run"/>'s order: the memory copy
/// every ratio is to, then the hardware CRC the floor applies to.
/// </summary>
internal sealed record OssReport(
    long BufferBytes,
    int Repetitions,
    MachineDescription Machine,
    IReadOnlyList<ResultLine> Crc,
    double HardwareFloor,
    int SigningOperations,
    IReadOnlyList<SigningLine> Signing)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public double HardwareRatio => Crc[1].RatioToMemoryCopy;

    public bool Passed => HardwareRatio >= HardwareFloor;

    public void Print(TextWriter output)
    {
        output.WriteLine(Invariant($"OSS client on {Machine}"));
        output.WriteLine(Invariant($"CRC-64 over {BufferBytes >> 20} MiB of random bytes, best of {Repetitions} after warm-up"));
        output.WriteLine(Invariant($"  {"",-44} {"GB/s",8} {"x memcpy",9}"));
        foreach (var line in Crc)
        {
            output.WriteLine(Invariant($"  {line.Name,-44} {line.GigabytesPerSecond,8:F2} {line.RatioToMemoryCopy,9:F2}"));
        }

        output.WriteLine(Invariant($"Signing a typical PutObject, best of {Repetitions} x {SigningOperations} after warm-up"));
        output.WriteLine(Invariant($"  {"",-44} {"ops/s",10} {"us/op",7}"));
        foreach (var line in Signing)
        {
            output.WriteLine(Invariant($"  {line.Name,-44} {line.OperationsPerSecond,10:N0} {1e6 / line.OperationsPerSecond,7:F2}"));
        }

        output.WriteLine(Invariant($"{(Passed ? "PASS" : "FAIL")}: CRC-64 hardware {HardwareRatio:F2} x memcpy (floor {HardwareFloor:F2} x memcpy)"));
    }

    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
