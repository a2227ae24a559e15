using System.Diagnostics.Metrics;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OssCopy.Core;
using OssCopy.Oss.Http;

namespace OssCopy.Infra.Tests;

/// <summary>
/// The workbook deployed with the app charts only what the app's meters emit: metric names (customMetrics keeps the
/// instruments' dotted names) and dimensions (the instruments' tags), read from the compiled template's workbook.
/// </summary>
public sealed partial class WorkbookTests
{
    private static readonly string[] AppMeters = [OssCopyMetrics.MeterName, OssClientMetrics.MeterName];

    [Fact]
    public void Every_metric_the_workbook_charts_is_one_the_apps_meters_emit()
    {
        var emitted = PublishedInstruments().Keys.ToHashSet(StringComparer.Ordinal);
        var charted = ChartedMetricNames();

        Assert.NotEmpty(charted);
        Assert.All(charted, name => Assert.True(emitted.Contains(name), $"The workbook charts '{name}', which no instrument of {string.Join(", ", AppMeters)} emits."));
    }

    [Fact]
    public void The_workbook_charts_every_instrument_of_the_engine()
    {
        var charted = ChartedMetricNames();
        var engine = PublishedInstruments().Where(i => i.Value == OssCopyMetrics.MeterName).Select(i => i.Key).ToList();

        Assert.Equal(5, engine.Count);
        Assert.All(engine, name => Assert.Contains(name, charted));
        Assert.Contains(OssClientMetrics.Throttled, charted);
    }

    [Fact]
    public void Every_dimension_the_workbook_reads_is_a_tag_the_app_sets()
    {
        var tags = new[] { typeof(OssCopyMetrics), typeof(OssClientMetrics) }
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static))
            .Where(f => f.IsLiteral && f.Name.EndsWith("Tag", StringComparison.Ordinal))
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToHashSet(StringComparer.Ordinal);
        var read = Queries().SelectMany(q => Dimension().Matches(q).Select(m => m.Groups[1].Value)).ToHashSet(StringComparer.Ordinal);

        Assert.Contains(OssCopyMetrics.PlanTag, read);
        Assert.Contains(OssCopyMetrics.StatusTag, read);
        Assert.All(read, d => Assert.True(tags.Contains(d), $"The workbook reads customDimensions[\"{d}\"], which is no tag of the app's instruments."));
    }

    [Fact]
    public void The_workbook_is_deployed_on_the_application_insights_resource()
    {
        var workbook = Workbook();
        Assert.Equal("[parameters('applicationInsightsId')]", (string?)workbook["properties"]!["sourceId"]);
        Assert.Equal("[reference('monitoring').outputs.applicationInsightsId.value]",
            (string?)CompiledTemplate.Main.Resources.Single(r => r.Name == "workbook").Resource["properties"]!["parameters"]!["applicationInsightsId"]!["value"]);
        Assert.Contains(Queries(), q => q.Contains("osscopy.run.duration", StringComparison.Ordinal) && q.Contains("take 25", StringComparison.Ordinal));
    }

    private static JsonObject Workbook() =>
        CompiledTemplate.Main.Module("workbook").ResourcesOfType("Microsoft.Insights/workbooks").Single();

    /// <summary>The workbook JSON: loadTextContent compiles to a variable the serializedData names.</summary>
    private static string SerializedData()
    {
        var value = (string?)Workbook()["properties"]!["serializedData"] ?? throw new Xunit.Sdk.XunitException("The workbook has no serialized data.");
        var variable = Regex.Match(value, @"^\[variables\('([^']+)'\)\]$");
        return variable.Success ? (string)CompiledTemplate.Main.Module("workbook").Variables[variable.Groups[1].Value]! : value;
    }

    /// <summary>Every KQL query of the workbook (the serialized data loadTextContent put in the template).</summary>
    private static List<string> Queries()
    {
        var queries = new List<string>();
        Collect(JsonNode.Parse(SerializedData()));
        return queries;

        void Collect(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject obj:
                    foreach (var (key, value) in obj)
                    {
                        if (key == "query" && value is JsonValue v && v.TryGetValue<string>(out var q))
                        {
                            queries.Add(q);
                        }

                        Collect(value);
                    }

                    break;
                case JsonArray array:
                    foreach (var item in array)
                    {
                        Collect(item);
                    }

                    break;
            }
        }
    }

    /// <summary>Metric names the queries filter customMetrics on: <c>name == "x"</c> and <c>name in ("x", "y")</c>.</summary>
    private static HashSet<string> ChartedMetricNames()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var query in Queries())
        {
            Assert.Contains("customMetrics", query, StringComparison.Ordinal);
            foreach (Match m in NameEquals().Matches(query))
            {
                names.Add(m.Groups[1].Value);
            }

            foreach (Match m in NameIn().Matches(query))
            {
                foreach (Match quoted in Quoted().Matches(m.Groups[1].Value))
                {
                    names.Add(quoted.Groups[1].Value);
                }
            }
        }

        return names;
    }

    /// <summary>The instruments the app's meters publish (name → meter), as a MeterListener sees them.</summary>
    private static Dictionary<string, string> PublishedInstruments()
    {
        RuntimeHelpers.RunClassConstructor(typeof(OssCopyMetrics).TypeHandle);
        RuntimeHelpers.RunClassConstructor(typeof(OssClientMetrics).TypeHandle);
        var instruments = new Dictionary<string, string>(StringComparer.Ordinal);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, _) =>
        {
            if (AppMeters.Contains(instrument.Meter.Name))
            {
                lock (instruments)
                {
                    instruments[instrument.Name] = instrument.Meter.Name;
                }
            }
        };
        listener.Start();
        return instruments;
    }

    [GeneratedRegex("""(?<![A-Za-z_.])name\s*==\s*"([^"]+)"\s*""")]
    private static partial Regex NameEquals();

    [GeneratedRegex("""(?<![A-Za-z_.])name\s+in\s*\(([^)]*)\)""")]
    private static partial Regex NameIn();

    [GeneratedRegex("\"([^\"]+)\"")]
    private static partial Regex Quoted();

    [GeneratedRegex("""customDimensions\["([^"]+)"\]""")]
    private static partial Regex Dimension();
}
