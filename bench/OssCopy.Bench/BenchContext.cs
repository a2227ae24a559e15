namespace OssCopy.Bench;

/// <summary>Where results go; parsed from <c>--results DIR</c> (and <c>--objects N</c>), the remaining arguments are section names.</summary>
internal sealed record BenchContext(string ResultsFolder)
{
    /// <summary><c>--objects N</c>: how many objects a section that takes it (scale) backs up; null = its default.</summary>
    public int? Objects { get; init; }

    internal static BenchContext FromArguments(string[] args, out List<string> sections)
    {
        sections = [];
        string? results = null;
        int? objects = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--results" && i + 1 < args.Length)
            {
                results = args[++i];
            }
            else if (args[i] == "--objects" && i + 1 < args.Length)
            {
                objects = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture);
            }
            else
            {
                sections.Add(args[i]);
            }
        }

        return new BenchContext(Path.GetFullPath(results ?? Path.Combine(RepositoryRoot(), "bench", "results"))) { Objects = objects };
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OssCopyFunctions.sln")))
            {
                return dir.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }
}
