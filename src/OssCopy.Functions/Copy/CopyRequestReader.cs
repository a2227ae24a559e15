using System.Text.Json;
using OssCopy.Core.Copying;

namespace OssCopy.Functions.Copy;

/// <summary>
/// Reads the webhook's JSON body (the official <c>CopyObjectRequest</c>'s fields in camelCase) into a Core
/// <see cref="CopyRequest"/>, naming every problem by a JSON pointer: malformed JSON, unknown or repeated fields,
/// wrong types, missing fields, and everything <see cref="CopyRequestValidator"/> finds. Nothing is half-read:
/// either a valid request or the full list.
/// </summary>
public static class CopyRequestReader
{
    private const int MaxDepth = 8;

    // Field name in the body → the CopyRequest property it fills (for mapping the validator's errors back).
    private static readonly Dictionary<string, string> Fields = new(StringComparer.Ordinal)
    {
        ["bucket"] = nameof(CopyRequest.Bucket),
        ["key"] = nameof(CopyRequest.Key),
        ["sourceBucket"] = nameof(CopyRequest.SourceBucket),
        ["sourceKey"] = nameof(CopyRequest.SourceKey),
        ["versionId"] = nameof(CopyRequest.SourceVersionId),
        ["forbidOverwrite"] = nameof(CopyRequest.ForbidOverwrite),
        ["tagging"] = nameof(CopyRequest.Tagging),
        ["taggingDirective"] = nameof(CopyRequest.TaggingDirective),
        ["metadataDirective"] = nameof(CopyRequest.MetadataDirective),
        ["metadata"] = nameof(CopyRequest.Metadata),
        ["contentType"] = nameof(CopyRequest.ContentType),
        ["cacheControl"] = nameof(CopyRequest.CacheControl),
        ["contentDisposition"] = nameof(CopyRequest.ContentDisposition),
        ["contentEncoding"] = nameof(CopyRequest.ContentEncoding),
        ["contentLanguage"] = nameof(CopyRequest.ContentLanguage),
        ["expires"] = nameof(CopyRequest.Expires),
        ["storageClass"] = nameof(CopyRequest.StorageClass),
        ["acl"] = nameof(CopyRequest.ObjectAcl),
        ["serverSideEncryption"] = nameof(CopyRequest.ServerSideEncryption),
        ["serverSideDataEncryption"] = nameof(CopyRequest.ServerSideDataEncryption),
        ["keyId"] = nameof(CopyRequest.ServerSideEncryptionKeyId),
        ["expectedSourceETag"] = nameof(CopyRequest.ExpectedSourceETag),
        ["recordSourceETag"] = nameof(CopyRequest.RecordSourceETag),
        // An archived (Archive, Cold Archive, Deep Cold Archive) source that is not restored: Fail (default), Skip or Restore.
        ["archived"] = nameof(CopyRequest.Archived),
        ["restoreDays"] = nameof(CopyRequest.RestoreDays),
        ["restoreTier"] = nameof(CopyRequest.RestoreTier),
    };

    private static readonly Dictionary<string, string> PointerOfProperty =
        Fields.ToDictionary(p => p.Value, p => "/" + p.Key, StringComparer.Ordinal);

    private static readonly HashSet<string> BoolFields = new(StringComparer.Ordinal) { "forbidOverwrite", "recordSourceETag" };

    private static readonly HashSet<string> IntFields = new(StringComparer.Ordinal) { "restoreDays" };

    private static readonly string[] RequiredFields = ["bucket", "key", "sourceKey"];

    /// <summary>The request, or null with <paramref name="errors"/> naming every problem.</summary>
    public static CopyRequest? Read(ReadOnlyMemory<byte> body, out IReadOnlyDictionary<string, string[]> errors)
    {
        var problems = new ProblemList();
        var request = ReadCore(body, problems);
        errors = problems.ToDictionary();
        return problems.Count == 0 ? request : null;
    }

    /// <summary>The JSON pointer of a validator's field (<c>ObjectAcl</c> → <c>/acl</c>).</summary>
    public static string PointerOf(string property) =>
        PointerOfProperty.TryGetValue(property, out var pointer) ? pointer : property == "Request" ? "/" : "/" + JsonNamingPolicy.CamelCase.ConvertName(property);

    private static CopyRequest? ReadCore(ReadOnlyMemory<byte> body, ProblemList problems)
    {
        // JsonDocument checks structure, not the UTF-8 inside strings; reading such a string later would throw.
        if (!System.Text.Unicode.Utf8.IsValid(body.Span))
        {
            problems.Add("/", "is not valid UTF-8.");
            return null;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = MaxDepth, CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException ex)
        {
            problems.Add("/", $"is not valid JSON (line {(ex.LineNumber ?? 0) + 1}, byte {ex.BytePositionInLine ?? 0}).");
            return null;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                problems.Add("/", "must be a JSON object.");
                return null;
            }

            var strings = new Dictionary<string, string>(StringComparer.Ordinal);
            var bools = new Dictionary<string, bool>(StringComparer.Ordinal);
            var ints = new Dictionary<string, int>(StringComparer.Ordinal);
            Dictionary<string, string>? metadata = null;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                var pointer = "/" + Escape(property.Name);
                if (!seen.Add(property.Name))
                {
                    problems.Add(pointer, "appears more than once.");
                    continue;
                }

                if (!Fields.ContainsKey(property.Name))
                {
                    problems.Add(pointer, "is not a field of a copy request.");
                    continue;
                }

                var value = property.Value;
                if (value.ValueKind == JsonValueKind.Null)
                {
                    continue;
                }

                if (IntFields.Contains(property.Name))
                {
                    if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number))
                    {
                        ints[property.Name] = number;
                    }
                    else
                    {
                        problems.Add(pointer, "must be a whole number.");
                    }
                }
                else if (BoolFields.Contains(property.Name))
                {
                    if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
                    {
                        bools[property.Name] = value.GetBoolean();
                    }
                    else
                    {
                        problems.Add(pointer, "must be true or false.");
                    }
                }
                else if (property.Name == "metadata")
                {
                    metadata = ReadMetadata(value, pointer, problems);
                }
                else if (value.ValueKind == JsonValueKind.String)
                {
                    strings[property.Name] = value.GetString()!;
                }
                else
                {
                    problems.Add(pointer, "must be a string.");
                }
            }

            foreach (var field in RequiredFields)
            {
                if (!strings.ContainsKey(field) && !problems.Has("/" + field))
                {
                    problems.Add("/" + field, "is required.");
                }
            }

            var request = new CopyRequest
            {
                Bucket = strings.GetValueOrDefault("bucket", string.Empty),
                Key = strings.GetValueOrDefault("key", string.Empty),
                SourceBucket = strings.GetValueOrDefault("sourceBucket"),
                SourceKey = strings.GetValueOrDefault("sourceKey", string.Empty),
                SourceVersionId = strings.GetValueOrDefault("versionId"),
                ForbidOverwrite = bools.TryGetValue("forbidOverwrite", out var forbid) ? forbid : null,
                Tagging = strings.GetValueOrDefault("tagging"),
                TaggingDirective = strings.GetValueOrDefault("taggingDirective"),
                MetadataDirective = strings.GetValueOrDefault("metadataDirective"),
                Metadata = metadata,
                ContentType = strings.GetValueOrDefault("contentType"),
                CacheControl = strings.GetValueOrDefault("cacheControl"),
                ContentDisposition = strings.GetValueOrDefault("contentDisposition"),
                ContentEncoding = strings.GetValueOrDefault("contentEncoding"),
                ContentLanguage = strings.GetValueOrDefault("contentLanguage"),
                Expires = strings.GetValueOrDefault("expires"),
                StorageClass = strings.GetValueOrDefault("storageClass"),
                ObjectAcl = strings.GetValueOrDefault("acl"),
                ServerSideEncryption = strings.GetValueOrDefault("serverSideEncryption"),
                ServerSideDataEncryption = strings.GetValueOrDefault("serverSideDataEncryption"),
                ServerSideEncryptionKeyId = strings.GetValueOrDefault("keyId"),
                ExpectedSourceETag = strings.GetValueOrDefault("expectedSourceETag"),
                RecordSourceETag = bools.GetValueOrDefault("recordSourceETag"),
                Archived = strings.GetValueOrDefault("archived"),
                RestoreDays = ints.TryGetValue("restoreDays", out var days) ? days : null,
                RestoreTier = strings.GetValueOrDefault("restoreTier"),
            };

            // The engine's own rules, each mapped back to the field a caller sent; a field already refused keeps its first reason.
            foreach (var error in CopyRequestValidator.Validate(request))
            {
                var pointer = PointerOf(error.Field);
                if (!problems.Has(pointer))
                {
                    problems.Add(pointer, error.Message);
                }
            }

            return request;
        }
    }

    private static Dictionary<string, string>? ReadMetadata(JsonElement value, string pointer, ProblemList problems)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            problems.Add(pointer, "must be an object of names to string values.");
            return null;
        }

        var metadata = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in value.EnumerateObject())
        {
            var entryPointer = pointer + "/" + Escape(entry.Name);
            if (entry.Value.ValueKind != JsonValueKind.String)
            {
                problems.Add(entryPointer, "must be a string.");
            }
            else if (!metadata.TryAdd(entry.Name, entry.Value.GetString()!))
            {
                problems.Add(entryPointer, "appears more than once (metadata names are case-insensitive).");
            }
        }

        return metadata;
    }

    // RFC 6901: '~' is '~0' and '/' is '~1' inside a pointer's token.
    private static string Escape(string name) => name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private sealed class ProblemList
    {
        private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

        public int Count => _errors.Count;

        public bool Has(string pointer) => _errors.ContainsKey(pointer);

        public void Add(string pointer, string message)
        {
            if (!_errors.TryGetValue(pointer, out var list))
            {
                _errors[pointer] = list = [];
            }

            if (!list.Contains(message))
            {
                list.Add(message);
            }
        }

        public Dictionary<string, string[]> ToDictionary() => _errors.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal);
    }
}
