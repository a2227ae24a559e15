namespace OssCopy.Functions.ProcessTests.Support;

/// <summary>The repository root (the folder with OssCopyFunctions.sln) and the Functions app's build output.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>
    /// The app's build output for the configuration these tests were built with (the project reference builds it), or
    /// the folder in <c>OSSCOPY_FUNCTIONS_APP</c> (a <c>dotnet publish</c> output, say) to run the harness against that.
    /// </summary>
    public static string FunctionsOutput
    {
        get
        {
            if (Environment.GetEnvironmentVariable("OSSCOPY_FUNCTIONS_APP") is { Length: > 0 } app)
            {
                return Path.GetFullPath(app);
            }

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
