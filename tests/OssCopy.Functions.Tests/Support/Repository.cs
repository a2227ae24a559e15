using System.Text.Json;

namespace OssCopy.Functions.Tests.Support;

/// <summary>Finds the repository root (the folder with OssCopyFunctions.sln) and the shared vectors beside it.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    public static JsonDocument LoadVector(string fileName)
    {
        var path = Path.GetFullPath(Path.Combine(Root, "..", "shared", "vectors", fileName));
        return File.Exists(path) ? JsonDocument.Parse(File.ReadAllText(path)) : throw new FileNotFoundException($"The shared vector was expected at {path}.");
    }

    /// <summary>The Functions app's build output for the configuration these tests were built with.</summary>
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
