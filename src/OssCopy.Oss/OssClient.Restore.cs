using System.Globalization;
using System.Xml.Linq;
using OssCopy.Oss.Internal;
using OssCopy.Oss.Models;

namespace OssCopy.Oss;

public sealed partial class OssClient
{
    public async Task<RestoreObjectResult> RestoreObjectAsync(RestoreObjectRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        OssValidation.BucketName(request.Bucket, nameof(request.Bucket));
        OssValidation.ObjectKey(request.Key, nameof(request.Key));
        if (request.Days is < 1 or > 365)
        {
            throw new ArgumentException("must be between 1 and 365 (Archive objects: 1 to 7).", nameof(request.Days));
        }

        var tier = OssRestoreTier.Normalize(request.Tier, nameof(request.Tier));
        var state = NewState("RestoreObject", "POST", request.Bucket, request.Key);
        state.Query.Add(new("restore", string.Empty));
        AddVersion(state, request.VersionId);

        // Without days or tier the request has no body: OSS then restores for its default period (what ali-oss sends).
        HttpContent? content = null;
        if (request.Days is not null || tier is not null)
        {
            var body = new XElement("RestoreRequest");
            if (request.Days is { } days)
            {
                body.Add(new XElement("Days", days.ToString(CultureInfo.InvariantCulture)));
            }

            if (tier is not null)
            {
                body.Add(new XElement("JobParameters", new XElement("Tier", tier)));
            }

            content = XmlContent(state, body);
        }

        using var response = await SendAsync(state, content, cancellationToken);
        return new RestoreObjectResult
        {
            StatusCode = (int)response.StatusCode,
            RequestId = ResponseReader.Header(response, OssHeaders.RequestId) ?? string.Empty,
            Headers = ResponseReader.AllHeaders(response),
            VersionId = ResponseReader.Header(response, OssHeaders.VersionId),
        };
    }
}
