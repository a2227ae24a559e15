namespace OssCopy.Functions.ProcessTests.Support;

/// <summary>The repository root (the folder with OssCopyFunctions.sln) and the Functions app's build output.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>The app's build output for the configuration these tests were built with (the project reference builds it).</summary>
    public static string FunctionsOutput
    {
        get
        {
            var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
            return Path.Combine(Root, "src", "OssCopy.Functions", "bin", configuration, "net10.0");
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OssCopyFunctions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("OssCopyFunctions.sln was not found above " + AppContext.BaseDirectory);
    }
}
