namespace OssCopy.Bench;

/// <summary>The OSS client's hot paths: CRC-64 side by side with xz and a memory copy, then request signing.</summary>
internal static class OssSection
{
    private const int Repetitions = 5;
    private const double HardwareFloor = 0.5;

    internal static int Run(BenchContext context)
    {
        var report = new OssReport(
            CrcBenchmark.BufferBytes,
            Repetitions,
            MachineDescription.Current(),
            CrcBenchmark.Run(Repetitions),
            HardwareFloor,
            SigningBenchmark.Operations,
            SigningBenchmark.Run(Repetitions));
        report.Print(Console.Out);
        report.Save(Path.Combine(context.ResultsFolder, "oss.json"));
        return report.Passed ? 0 : 1;
    }
}
