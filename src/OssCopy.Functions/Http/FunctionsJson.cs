using System.Text.Json;
using System.Text.Json.Serialization;

namespace OssCopy.Functions.Http;

/// <summary>The JSON the app writes: camelCase, enums by name, 64-bit CRCs as strings (JavaScript numbers lose them).</summary>
public static class FunctionsJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        // Names only, as the plan loader reads them: a number is not a documented value of any field.
        options.Converters.Add(new JsonStringEnumConverter(namingPolicy: null, allowIntegerValues: false));
        options.Converters.Add(new UInt64AsStringConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    private sealed class UInt64AsStringConverter : JsonConverter<ulong>
    {
        public override ulong Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.String ? ulong.Parse(reader.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : reader.GetUInt64();

        public override void Write(Utf8JsonWriter writer, ulong value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
