using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace OssCopy.Infra.Tests;

/// <summary>
/// Evaluates the few ARM expression forms the app settings of infra/modules/functionapp.bicep are written in — a
/// literal, <c>[parameters('x')]</c>, <c>[format('…{0}…', parameters('x'), …)]</c> and <c>[string(parameters('x'))]</c>
/// — against parameter values a test gives. Any other form fails the test: the settings module keeps to these so
/// that what the app starts with can be checked here without Azure.
/// </summary>
public static partial class TemplateExpression
{
    public static string Evaluate(string text, IReadOnlyDictionary<string, string> parameters)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(parameters);
        if (text.StartsWith("[[", StringComparison.Ordinal))
        {
            return text[1..];
        }

        if (!text.StartsWith('[') || !text.EndsWith(']'))
        {
            return text;
        }

        var expression = text[1..^1].Trim();
        if (Parameter().Match(expression) is { Success: true } single)
        {
            return Value(single.Groups[1].Value, parameters);
        }

        if (StringOf().Match(expression) is { Success: true } stringOf)
        {
            return Value(stringOf.Groups[1].Value, parameters);
        }

        if (Format().Match(expression) is { Success: true } format)
        {
            var arguments = format.Groups[2].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(a => Parameter().Match(a) is { Success: true } p
                    ? Value(p.Groups[1].Value, parameters)
                    : throw new Xunit.Sdk.XunitException($"Unsupported format argument '{a}' in {text}"))
                .ToArray<object?>();
            return string.Format(CultureInfo.InvariantCulture, format.Groups[1].Value.Replace("''", "'", StringComparison.Ordinal), arguments);
        }

        throw new Xunit.Sdk.XunitException($"Unsupported expression in an app setting: {text}");
    }

    /// <summary>The settings of the given objects merged left to right (ARM's union), each value evaluated.</summary>
    public static Dictionary<string, string> Settings(IReadOnlyDictionary<string, string> parameters, params JsonObject[] settingObjects)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var setting in settingObjects.SelectMany(o => o))
        {
            settings[setting.Key] = Evaluate(setting.Value!.ToString(), parameters);
        }

        return settings;
    }

    /// <summary>The configuration the app sees: Linux app settings arrive as environment variables, "__" being ':'.</summary>
    public static Dictionary<string, string?> AsConfiguration(IReadOnlyDictionary<string, string> settings)
    {
        var configuration = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in settings)
        {
            configuration[name.Replace("__", ":", StringComparison.Ordinal)] = value;
        }

        return configuration;
    }

    private static string Value(string name, IReadOnlyDictionary<string, string> parameters) =>
        parameters.TryGetValue(name, out var value) ? value : throw new Xunit.Sdk.XunitException($"The test gives no value for the module parameter '{name}'.");

    [GeneratedRegex(@"^parameters\('([A-Za-z0-9_]+)'\)$")]
    private static partial Regex Parameter();

    [GeneratedRegex(@"^string\(parameters\('([A-Za-z0-9_]+)'\)\)$")]
    private static partial Regex StringOf();

    [GeneratedRegex(@"^format\('((?:[^']|'')*)',\s*(.*)\)$")]
    private static partial Regex Format();
}
