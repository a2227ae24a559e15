using System.Runtime.InteropServices;

namespace OssCopy.Bench;

/// <summary>What the figures were measured on, since they mean little without it.</summary>
internal sealed record MachineDescription(string Cpu, int LogicalCores, string Os, string Runtime)
{
    internal static MachineDescription Current() =>
        new(CpuModel(), Environment.ProcessorCount, RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription);

    public override string ToString() => $"{Cpu}, {LogicalCores} logical cores, {Os}, {Runtime}";

    private static string CpuModel()
    {
        const string CpuInfo = "/proc/cpuinfo";
        var model = File.Exists(CpuInfo)
            ? File.ReadLines(CpuInfo).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        return model ?? RuntimeInformation.ProcessArchitecture.ToString();
    }
}
