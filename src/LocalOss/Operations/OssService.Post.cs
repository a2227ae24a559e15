using System.Globalization;
using System.Text;
using System.Text.Json;
using LocalOss.Http;
using LocalOss.Storage;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace LocalOss.Operations;

internal sealed partial class OssService
{
    /// <summary>Form fields before the file: their names and values stay small (OSS caps the whole form's fields too).</summary>
    private const int MaxFormFieldsBytes = 1024 * 1024;

    /// <summary>
    /// PostObject: a browser form upload (<c>POST /</c> on the bucket, multipart/form-data, the file last). The form
    /// signs its policy (ali-oss calculatePostSignature / signPostObjectPolicyV4), the policy's expiration and
    /// conditions are checked, and the object is stored as PutObject stores it, with the form's Content-Type,
    /// x-oss-meta-*, ACL, storage class, tagging and forbid-overwrite fields. An unsigned form needs a
    /// public-read-write bucket. Answers 204, or <c>success_action_status</c> 200/201 (201 with PostResponse XML),
    /// or a 303 to <c>success_action_redirect</c>.
    /// </summary>
    private async Task PostObjectAsync(OssRequest r, CancellationToken ct)
    {
        var boundary = MediaTypeHeaderValue.TryParse(r.Header("Content-Type"), out var contentType)
            ? HeaderUtilities.RemoveQuotes(contentType.Boundary).Value
            : null;
        // RFC 2046 allows boundaries of 1 to 70 characters.
        if (string.IsNullOrEmpty(boundary) || boundary.Length > 70)
        {
            throw MalformedPost("The multipart/form-data Content-Type has no valid boundary.");
        }

        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var reader = new MultipartReader(boundary, r.Http.Request.Body) { HeadersLengthLimit = 16 * 1024 };
        var fieldBytes = 0;
        MultipartSection? file = null;
        string? fileName = null;
        while (await ReadSectionAsync(reader, ct).ConfigureAwait(false) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
            {
                throw MalformedPost("Every part must be a form-data field.");
            }

            var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
            if (string.Equals(name, "file", StringComparison.OrdinalIgnoreCase))
            {
                // OSS reads the file last: fields after it are ignored.
                file = section;
                fileName = HeaderUtilities.RemoveQuotes(disposition.FileName).Value ?? "";
                break;
            }

            using var value = new MemoryStream();
            await section.Body.CopyToAsync(value, ct).ConfigureAwait(false);
            fieldBytes += name.Length + (int)value.Length;
            if (fieldBytes > MaxFormFieldsBytes)
            {
                throw MalformedPost("The form fields before the file are too large.");
            }

            fields[name] = Encoding.UTF8.GetString(value.ToArray());
        }

        if (file is null)
        {
            throw MalformedPost("The form has no file field (it must be the last field).");
        }

        if (fields.ContainsKey("callback"))
        {
            throw Errors.SubresourceNotImplemented("callback");
        }

        var account = _authenticator.VerifyPostForm(fields);
        var key = fields.GetValueOrDefault("key") ?? "";
        // ${filename} in the key is the uploaded file's name, as on OSS.
        key = key.Replace("${filename}", fileName, StringComparison.Ordinal);
        if (key.Length == 0)
        {
            throw Errors.InvalidArgument("The key form field is required.", "key", "", "0016-00000801");
        }

        if (Names.KeyByteCount(key) > Names.MaxKeyBytes)
        {
            throw Errors.KeyTooLong();
        }

        var bucket = await RequireBucketAsync(r, ct).ConfigureAwait(false);
        if (account is null && bucket.Acl != "public-read-write")
        {
            throw Errors.AccessDenied("You have no right to access this object because of bucket acl.", "0003-00000001");
        }

        var range = account is null ? null : CheckPolicy(fields, bucket.Name, key);
        if (!fields.ContainsKey("Content-Type") && !string.IsNullOrEmpty(file.ContentType))
        {
            fields["Content-Type"] = file.ContentType;
        }

        var write = ParseWriteHeaders(name => fields.GetValueOrDefault(name), fields);
        if (fields.GetValueOrDefault("success_action_redirect") is { } redirect)
        {
            ResponseHeaderValue.Checked("success_action_redirect", redirect); // it becomes the Location of the answer
        }

        var staged = await _store.Blobs.StageAsync(file.Body, declaredLength: null, ct).ConfigureAwait(false);
        try
        {
            if (range is { } limits && (staged.Length < limits.Min || staged.Length > limits.Max))
            {
                throw staged.Length > limits.Max
                    ? Errors.EntityTooLarge("Your proposed upload exceeds the maximum allowed size.")
                    : Errors.EntityTooSmall();
            }

            var stored = await StoreUploadAsync(r, key, write, staged, ct).ConfigureAwait(false);
            r.EventKeys = [key];
            await AnswerPostAsync(r, fields, bucket, stored, ct).ConfigureAwait(false);
        }
        finally
        {
            _store.Blobs.Discard(staged);
        }
    }

    private static async Task<MultipartSection?> ReadSectionAsync(MultipartReader reader, CancellationToken ct)
    {
        try
        {
            return await reader.ReadNextSectionAsync(ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException and not IncompleteBodyException)
        {
            throw MalformedPost("The body is not valid multipart/form-data: " + ex.Message);
        }
    }

    private static OssError MalformedPost(string detail) =>
        new(400, "MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data. " + detail, "0016-00000802");

    /// <summary>
    /// The policy document: Base64 JSON with <c>expiration</c> (ISO 8601) and <c>conditions</c> — exact matches
    /// (<c>{"bucket": "b"}</c>, <c>["eq", "$key", "v"]</c>), <c>["starts-with", "$key", "prefix"]</c>,
    /// <c>["in"|"not-in", "$content-type", [..]]</c> and <c>["content-length-range", min, max]</c> (returned, as the
    /// length is known only once the file is read). Failures answer OSS's "Invalid according to Policy".
    /// </summary>
    private (long Min, long Max)? CheckPolicy(Dictionary<string, string> fields, string bucket, string key)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(Convert.FromBase64String(fields["policy"]));
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            throw Errors.InvalidPolicyDocument("The policy is not Base64-encoded JSON.");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("expiration", out var expiration) || expiration.ValueKind != JsonValueKind.String
                || !DateTimeOffset.TryParse(expiration.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var expires))
            {
                throw Errors.InvalidPolicyDocument("The policy has no valid expiration.");
            }

            if (Now > expires)
            {
                throw Errors.AccessDenied("Invalid according to Policy: Policy expired.", "0002-00000303");
            }

            (long Min, long Max)? range = null;
            string Value(string name) => name.Equals("bucket", StringComparison.OrdinalIgnoreCase) ? bucket
                : name.Equals("key", StringComparison.OrdinalIgnoreCase) ? key
                : fields.GetValueOrDefault(name) ?? "";
            // OSS quotes the failed condition with a space after each comma: ["starts-with", "$key", "user/"].
            OssError Failed(JsonElement condition) =>
                Errors.AccessDenied("Invalid according to Policy: Policy Condition failed: " + (condition.ValueKind == JsonValueKind.Array
                    ? "[" + string.Join(", ", condition.EnumerateArray().Select(e => e.GetRawText())) + "]"
                    : "{" + string.Join(", ", condition.EnumerateObject().Select(p => JsonSerializer.Serialize(p.Name) + ": " + p.Value.GetRawText())) + "}"),
                    "0002-00000304");

            if (!root.TryGetProperty("conditions", out var conditions) || conditions.ValueKind != JsonValueKind.Array)
            {
                throw Errors.InvalidPolicyDocument("The policy has no conditions.");
            }

            foreach (var condition in conditions.EnumerateArray())
            {
                if (condition.ValueKind == JsonValueKind.Object)
                {
                    foreach (var property in condition.EnumerateObject())
                    {
                        if (Value(property.Name) != property.Value.ToString())
                        {
                            throw Failed(condition);
                        }
                    }

                    continue;
                }

                if (condition.ValueKind != JsonValueKind.Array || condition.GetArrayLength() != 3)
                {
                    throw Errors.InvalidPolicyDocument("A condition is neither an object nor a three-element array: " + condition.GetRawText());
                }

                var op = condition[0].GetString()?.ToLowerInvariant();
                if (op == "content-length-range")
                {
                    range = condition[1].TryGetInt64(out var min) && condition[2].TryGetInt64(out var max)
                        ? (min, max)
                        : throw Errors.InvalidPolicyDocument("content-length-range needs two integers.");
                    continue;
                }

                var field = condition[1].GetString() ?? "";
                var actual = Value(field.TrimStart('$'));
                var holds = op switch
                {
                    "eq" => actual == condition[2].ToString(),
                    "starts-with" => actual.StartsWith(condition[2].ToString(), StringComparison.Ordinal),
                    "in" => condition[2].ValueKind == JsonValueKind.Array && condition[2].EnumerateArray().Any(v => v.ToString() == actual),
                    "not-in" => condition[2].ValueKind == JsonValueKind.Array && condition[2].EnumerateArray().All(v => v.ToString() != actual),
                    _ => throw Errors.InvalidPolicyDocument("Unknown policy condition: " + condition.GetRawText()),
                };
                if (!holds)
                {
                    throw Failed(condition);
                }
            }

            return range;
        }
    }

    private static async Task AnswerPostAsync(OssRequest r, Dictionary<string, string> fields, BucketRecord bucket, ObjectRecord stored, CancellationToken ct)
    {
        var response = r.Http.Response;
        if (fields.GetValueOrDefault("success_action_redirect") is { Length: > 0 } redirect
            && Uri.TryCreate(redirect, UriKind.Absolute, out var target) && target.Scheme is "http" or "https")
        {
            var separator = string.IsNullOrEmpty(target.Query) ? "?" : "&";
            response.StatusCode = 303;
            response.Headers.Location = redirect + separator + "bucket=" + Uri.EscapeDataString(bucket.Name) + "&key="
                                        + Uri.EscapeDataString(stored.Key) + "&etag=" + Uri.EscapeDataString(Quote(stored.ETag));
            response.ContentLength = 0;
            return;
        }

        switch (fields.GetValueOrDefault("success_action_status"))
        {
            case "200":
                Ok(r);
                return;
            case "201":
                var xml = new XmlOut().Open("PostResponse")
                    .Element("Bucket", bucket.Name)
                    .Element("Location", $"http://{bucket.Name}.oss-{bucket.Region}.aliyuncs.com/{OssCopy.Oss.OssEncoding.EscapePath(stored.Key)}")
                    .Element("Key", stored.Key)
                    .Element("ETag", Quote(stored.ETag))
                    .Close("PostResponse");
                await WriteXmlAsync(r, xml, ct, status: 201).ConfigureAwait(false);
                return;
            default:
                NoContent(r);
                return;
        }
    }
}
