using System.Text.Json;

namespace OssCopy.Oss.Tests.Support;

/// <summary>
/// Locates the official SDKs' test vectors in <c>../shared/vectors/</c> beside the repository root
/// (the folder that holds <c>OssCopyFunctions.sln</c>), as CI lays it out.
/// </summary>
public static class SharedVectors
{
    private static readonly Lazy<string> Folder = new(FindFolder);

    public static string PathOf(string fileName) => Path.Combine(Folder.Value, fileName);

    public static JsonDocument Load(string fileName) => JsonDocument.Parse(File.ReadAllText(PathOf(fileName)));

    public static string RepositoryRoot => FindRepositoryRoot();

    private static string FindFolder()
    {
        var root = FindRepositoryRoot();
        var folder = Path.GetFullPath(Path.Combine(root, "..", "shared", "vectors"));
        return Directory.Exists(folder)
            ? folder
            : throw new DirectoryNotFoundException($"The shared test vectors were expected at {folder}.");
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OssCopyFunctions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("No OssCopyFunctions.sln above " + AppContext.BaseDirectory);
    }
}
