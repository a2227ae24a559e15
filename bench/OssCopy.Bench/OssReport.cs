using System.Globalization;
using System.Text.Json;

namespace OssCopy.Bench;

internal sealed record ResultLine(string Name, double GigabytesPerSecond, double RatioToMemoryCopy);

/// <summary>
/// The OSS section's figures: the first line is the memory copy every other line is a ratio to, the second the
/// CRC-64 hardware path the floor applies to.
/// </summary>
internal sealed record OssReport(long BufferBytes, int Repetitions, MachineDescription Machine, IReadOnlyList<ResultLine> Lines, double HardwareFloor)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public double HardwareRatio => Lines[1].RatioToMemoryCopy;

    public bool Passed => HardwareRatio >= HardwareFloor;

    public void Print(TextWriter output)
    {
        output.WriteLine(Invariant($"OSS client: CRC-64 over {BufferBytes >> 20} MiB of random bytes, best of {Repetitions} after warm-up"));
        output.WriteLine(Invariant($"  {Machine}"));
        output.WriteLine(Invariant($"  {"",-44} {"GB/s",8} {"x memcpy",9}"));
        foreach (var line in Lines)
        {
            output.WriteLine(Invariant($"  {line.Name,-44} {line.GigabytesPerSecond,8:F2} {line.RatioToMemoryCopy,9:F2}"));
        }

        output.WriteLine(Invariant($"{(Passed ? "PASS" : "FAIL")}: CRC-64 hardware {HardwareRatio:F2} x memcpy (floor {HardwareFloor:F2} x memcpy)"));
    }

    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, JsonSerializer.Serialize(new { section = "oss", BufferBytes, Repetitions, Machine, Lines, HardwareFloor, HardwareRatio, Passed }, Json) + "\n");
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
