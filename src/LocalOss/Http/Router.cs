namespace LocalOss.Http;

/// <summary>Names the OSS operation of a request from its level, method and sub-resources.</summary>
internal static class Router
{
    /// <summary>The operation of requests for an OSS feature LocalOss does not have (answered 501 NotImplemented).</summary>
    public const string NotImplemented = "NotImplemented";

    // Bucket sub-resources of OSS APIs LocalOss does not implement. Without this list such requests fell through
    // to the plain bucket operations: GET /?lifecycle answered a ListObjects body that ali-oss then read as rules,
    // PUT /?cors tried to create the bucket.
    private static readonly string[] UnsupportedBucketSubresources =
    [
        "lifecycle", "cors", "policy", "policyStatus", "tagging", "referer", "website", "logging", "encryption", "requestPayment",
        "inventory", "inventoryId", "cname", "replication", "replicationLocation", "replicationProgress", "transferAcceleration",
        "accessPoint", "resourceGroup", "style", "qos", "rtc", "httpsConfig", "publicAccessBlock", "metaQuery",
        "dataRedundancyTransition", "archiveDirectRead", "overwriteConfig", "responseHeader", "userDefinedLogFieldsConfig",
        "live", "asyncFetch", "x-oss-process",
    ];

    // Object sub-resources and processing parameters of OSS APIs LocalOss does not implement (image, video and
    // document processing, SelectObject, LiveChannel, callbacks are not run either but do not change the answer).
    private static readonly string[] UnsupportedObjectSubresources = ["x-oss-process", "x-oss-async-process", "live", "objectInfo"];

    /// <summary>A browser form upload (PostObject): a POST to the bucket with a multipart/form-data body.</summary>
    private static bool IsForm(OssRequest r) =>
        r.Header("Content-Type") is { } type && type.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase);

    /// <summary>The first query key naming a feature LocalOss does not implement, if any.</summary>
    public static string? UnsupportedSubresource(OssRequest r)
    {
        // Upload callbacks (x-oss-callback, or callback in a presigned URL): LocalOss calls no server, and an answer
        // without the callback's body would only fail later in the SDK (ali-oss parses it as JSON).
        if (r.Header("x-oss-callback") is not null || r.Has("callback"))
        {
            return "callback";
        }

        var names = r.Bucket is null ? ["regionList"] : r.Key is null ? UnsupportedBucketSubresources : UnsupportedObjectSubresources;
        foreach (var name in names)
        {
            if (r.Has(name))
            {
                return name;
            }
        }

        return null;
    }

    public static string OperationOf(OssRequest r)
    {
        var method = r.Method;
        if (UnsupportedSubresource(r) is not null)
        {
            return NotImplemented;
        }

        if (r.Bucket is null)
        {
            return method is "GET" ? "ListBuckets" : "Unknown";
        }

        if (r.Key is null)
        {
            return method switch
            {
                "PUT" when r.Has("versioning") => "PutBucketVersioning",
                "PUT" when r.Has("acl") => "PutBucketAcl",
                "PUT" => "PutBucket",
                "GET" when r.Has("versioning") => "GetBucketVersioning",
                "GET" when r.Has("versions") => "ListObjectVersions",
                "GET" when r.Has("bucketInfo") => "GetBucketInfo",
                "GET" when r.Has("location") => "GetBucketLocation",
                "GET" when r.Has("stat") => "GetBucketStat",
                "GET" when r.Has("worm") => "GetBucketWorm",
                "GET" when r.Has("uploads") => "ListMultipartUploads",
                "GET" when r.Has("acl") => "GetBucketAcl",
                "GET" when r.Q("list-type") == "2" => "ListObjectsV2",
                "GET" => "ListObjects",
                "HEAD" => "GetBucketInfo",
                "POST" when r.Has("delete") => "DeleteMultipleObjects",
                "POST" when IsForm(r) => "PostObject",
                "POST" when r.Has("wormExtend") => "ExtendBucketWorm",
                "POST" when r.Has("wormId") => "CompleteBucketWorm",
                "POST" when r.Has("worm") => "InitiateBucketWorm",
                "DELETE" when r.Has("worm") => "AbortBucketWorm",
                "DELETE" => "DeleteBucket",
                _ => "Unknown",
            };
        }

        return method switch
        {
            "PUT" when r.Has("symlink") => "PutSymlink",
            "PUT" when r.Has("tagging") => "PutObjectTagging",
            "PUT" when r.Has("acl") => "PutObjectAcl",
            "PUT" when r.Has("uploadId") && r.Header("x-oss-copy-source") is not null => "UploadPartCopy",
            "PUT" when r.Has("uploadId") => "UploadPart",
            "PUT" when r.Header("x-oss-copy-source") is not null => "CopyObject",
            "PUT" => "PutObject",
            "GET" when r.Has("symlink") => "GetSymlink",
            "GET" when r.Has("tagging") => "GetObjectTagging",
            "GET" when r.Has("acl") => "GetObjectAcl",
            "GET" when r.Has("uploadId") => "ListParts",
            "GET" => "GetObject",
            "HEAD" when r.Has("objectMeta") => "GetObjectMeta",
            "HEAD" => "HeadObject",
            "DELETE" when r.Has("tagging") => "DeleteObjectTagging",
            "DELETE" when r.Has("uploadId") => "AbortMultipartUpload",
            "DELETE" => "DeleteObject",
            "POST" when r.Has("uploads") => "InitiateMultipartUpload",
            "POST" when r.Has("uploadId") => "CompleteMultipartUpload",
            "POST" when r.Has("append") => "AppendObject",
            "POST" when r.Has("restore") => "RestoreObject",
            _ => "Unknown",
        };
    }
}
