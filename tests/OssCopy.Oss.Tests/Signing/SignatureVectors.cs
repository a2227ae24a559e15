using System.Text.Json;
using OssCopy.Oss.Credentials;
using OssCopy.Oss.Signing;
using OssCopy.Oss.Tests.Support;

namespace OssCopy.Oss.Tests.Signing;

/// <summary>Reads the signature vectors of <c>../shared/vectors/</c> into signing contexts.</summary>
internal static class SignatureVectors
{
    public static TheoryData<string> Names(string file, Func<string, bool> modeFilter)
    {
        using var doc = SharedVectors.Load(file);
        var data = new TheoryData<string>();
        foreach (var vector in doc.RootElement.GetProperty("vectors").EnumerateArray())
        {
            if (modeFilter(vector.GetProperty("mode").GetString()!))
            {
                data.Add(vector.GetProperty("name").GetString()!);
            }
        }

        return data;
    }

    public static JsonElement Find(string file, string name)
    {
        using var doc = SharedVectors.Load(file);
        foreach (var vector in doc.RootElement.GetProperty("vectors").EnumerateArray())
        {
            if (vector.GetProperty("name").GetString() == name)
            {
                return vector.Clone();
            }
        }

        throw new KeyNotFoundException(name);
    }

    public static OssSigningContext ContextOf(JsonElement input, string headersProperty, DateTimeOffset signingTime)
    {
        var context = new OssSigningContext
        {
            Method = input.GetProperty("method").GetString()!,
            Bucket = input.GetProperty("bucket").GetString(),
            Key = input.GetProperty("key").GetString(),
            Credentials = new OssCredentials(
                input.GetProperty("access_key_id").GetString()!,
                input.GetProperty("access_key_secret").GetString()!,
                input.GetProperty("security_token").GetString()),
            Region = input.TryGetProperty("region", out var region) ? region.GetString()! : "cn-hangzhou",
            Product = input.TryGetProperty("product", out var product) ? product.GetString()! : "oss",
            SigningTime = signingTime,
            AdditionalHeaders = StringArray(input, "additional_headers_requested"),
            ExtraSubResources = StringArray(input, "caller_supplied_sub_resources"),
        };
        foreach (var header in input.GetProperty(headersProperty).EnumerateObject())
        {
            context.Headers[header.Name] = header.Value.GetString()!;
        }

        foreach (var pair in input.GetProperty("query_params_decoded").EnumerateArray())
        {
            context.Query.Add(new(pair[0].GetString()!, pair[1].GetString()!));
        }

        return context;
    }

    public static string? OptionalString(JsonElement element, params string[] path)
    {
        foreach (var name in path)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
            {
                return null;
            }
        }

        return element.ValueKind == JsonValueKind.Null ? null : element.GetString();
    }

    private static string[] StringArray(JsonElement input, string name) =>
        input.TryGetProperty(name, out var array)
            ? array.EnumerateArray().Select(e => e.GetString()!).ToArray()
            : [];
}
