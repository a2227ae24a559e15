using System.Text.Json.Nodes;

namespace OssCopy.Infra.Tests;

/// <summary>
/// The ARM template <c>bicep build infra/main.bicep</c> wrote beside the tests (the project's build target), with its
/// modules' nested templates reachable by the module's symbolic name.
/// </summary>
public sealed class CompiledTemplate
{
    private CompiledTemplate(JsonObject root) => Root = root;

    public static CompiledTemplate Main { get; } = Load();

    public JsonObject Root { get; }

    public JsonObject Parameters => Root["parameters"]?.AsObject() ?? [];

    public JsonObject Variables => Root["variables"]?.AsObject() ?? [];

    public JsonObject Outputs => Root["outputs"]?.AsObject() ?? [];

    /// <summary>Resources by symbolic name (language version 2.0 templates) or by index.</summary>
    public IEnumerable<(string Name, JsonObject Resource)> Resources => Root["resources"] switch
    {
        JsonObject byName => byName.Select(p => (p.Key, p.Value!.AsObject())),
        JsonArray list => list.Select((r, i) => (i.ToString(System.Globalization.CultureInfo.InvariantCulture), r!.AsObject())),
        _ => [],
    };

    /// <summary>The nested template of a module of main.bicep (a Microsoft.Resources/deployments resource).</summary>
    public CompiledTemplate Module(string symbolicName)
    {
        var module = Resources.Single(r => r.Name == symbolicName).Resource;
        Assert.Equal("Microsoft.Resources/deployments", (string?)module["type"]);
        return new CompiledTemplate(module["properties"]!["template"]!.AsObject());
    }

    /// <summary>Every module of main.bicep by symbolic name.</summary>
    public IEnumerable<(string Name, CompiledTemplate Template)> Modules =>
        Resources.Where(r => (string?)r.Resource["type"] == "Microsoft.Resources/deployments").Select(r => (r.Name, Module(r.Name)));

    /// <summary>This template and every nested one.</summary>
    public IEnumerable<CompiledTemplate> All => [this, .. Modules.Select(m => m.Template)];

    public IEnumerable<JsonObject> ResourcesOfType(string type) =>
        Resources.Select(r => r.Resource).Where(r => string.Equals((string?)r["type"], type, StringComparison.OrdinalIgnoreCase));

    public JsonObject Variable(string name) => Variables[name]?.AsObject() ?? throw new Xunit.Sdk.XunitException($"No object variable '{name}' in the template.");

    public string? DefaultValue(string parameter) => Parameters[parameter]?["defaultValue"]?.ToString();

    /// <summary>Every string anywhere in the template, with its JSON path.</summary>
    public IEnumerable<(string Path, string Value)> Strings() => Walk(Root);

    private static IEnumerable<(string Path, string Value)> Walk(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    yield return (value?.GetPath() ?? key, key);
                    foreach (var s in Walk(value))
                    {
                        yield return s;
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    foreach (var s in Walk(item))
                    {
                        yield return s;
                    }
                }

                break;
            case JsonValue value when value.TryGetValue<string>(out var text):
                yield return (value.GetPath(), text);
                break;
        }
    }

    private static CompiledTemplate Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "main.json");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} is missing: the build of OssCopy.Infra.Tests compiles infra/main.bicep into it with the Bicep CLI.", path);
        }

        return new CompiledTemplate(JsonNode.Parse(File.ReadAllText(path))!.AsObject());
    }
}
