using OssCopy.Bench;

// bench/run builds this and passes the sections to run; with none, every section runs.
var sections = new Dictionary<string, Func<BenchContext, int>>(StringComparer.Ordinal)
{
    ["oss"] = OssSection.Run,
    ["localoss"] = LocalOssSection.Run,
    ["engine"] = EngineSection.Run,
    ["engine-diff"] = EngineDiffSection.Run,
    ["scale"] = ScaleSection.Run,
    ["cpu"] = CpuSection.Run,
    ["distributed"] = DistributedSection.Run,
    ["distributed-scale"] = DistributedScaleSection.Run,
    ["functions"] = FunctionsQueueSection.Run,
};

var context = BenchContext.FromArguments(args, out var requested);
if (requested.Count == 0)
{
    requested = [.. sections.Keys];
}

var unknown = requested.Where(s => !sections.ContainsKey(s)).ToList();
if (unknown.Count > 0)
{
    Console.Error.WriteLine($"Unknown section(s): {string.Join(", ", unknown)}. Available: {string.Join(", ", sections.Keys)}.");
    return 2;
}

var exitCode = 0;
foreach (var section in requested)
{
    try
    {
        exitCode = Math.Max(exitCode, sections[section](context));
    }
    catch (BenchmarkFailedException e)
    {
        Console.Error.WriteLine($"FAIL [{section}]: {e.Message}");
        exitCode = 1;
    }
}

return exitCode;
