namespace LocalOss.Http;

/// <summary>
/// An OSS error answer: HTTP status, Code, Message, EC and the code-specific extra elements, rendered as
/// OSS's <c>&lt;Error&gt;</c> XML (or, for HEAD, as the <c>x-oss-err</c> header).
/// </summary>
internal sealed class OssError : Exception
{
    public OssError(int status, string code, string message, string ec, params (string Name, string Value)[] extra)
        : base(message)
    {
        Status = status;
        Code = code;
        Ec = ec;
        Extra = extra;
    }

    public OssError()
        : this(500, "InternalError", "We encountered an internal error. Please try again.", "0000-00000000")
    {
    }

    public OssError(string message)
        : this(500, "InternalError", message, "0000-00000000")
    {
    }

    public OssError(string message, Exception inner)
        : base(message, inner)
    {
        Status = 500;
        Code = "InternalError";
        Ec = "0000-00000000";
        Extra = [];
    }

    public int Status { get; }

    public string Code { get; }

    public string Ec { get; }

    public IReadOnlyList<(string Name, string Value)> Extra { get; }

    /// <summary>Response headers to send with the error (e.g. <c>x-oss-delete-marker</c>).</summary>
    public List<KeyValuePair<string, string>> Headers { get; } = [];

    /// <summary>304 answers have no body at all.</summary>
    public bool NoBody => Status == 304;
}

/// <summary>The errors LocalOss answers, with OSS's codes, messages and ECs (oss-protocol.md section 4).</summary>
internal static class Errors
{
    public static OssError NoSuchBucket(string bucket) =>
        new(404, "NoSuchBucket", "The specified bucket does not exist.", "0015-00000101", ("BucketName", bucket));

    public static OssError NoSuchKey(string key) =>
        new(404, "NoSuchKey", "The specified key does not exist.", "0026-00000001", ("Key", key));

    public static OssError NoSuchVersion(string key, string versionId) =>
        new(404, "NoSuchVersion", "The specified version does not exist.", "0026-00000003", ("Key", key), ("VersionId", versionId));

    public static OssError BucketAlreadyExists(string bucket) =>
        new(409, "BucketAlreadyExists",
            "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.",
            "0015-00000104", ("BucketName", bucket));

    public static OssError BucketNotEmpty(string bucket) =>
        new(409, "BucketNotEmpty", "The bucket has objects. Please delete them first.", "0015-00000301", ("BucketName", bucket));

    public static OssError InvalidBucketName(string bucket) =>
        new(400, "InvalidBucketName", "The specified bucket is not valid.", "0015-00000001", ("BucketName", bucket));

    public static OssError InvalidObjectName(string message, string ec) =>
        new(400, "InvalidObjectName", message, ec);

    public static OssError KeyTooLong() =>
        InvalidObjectName("The specified object is not valid: its name is longer than 1023 bytes.", "0016-00000003");

    public static OssError MalformedXml(string ec = "0016-00000608") =>
        new(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema.", ec);

    public static OssError InvalidArgument(string message, string name, string value, string ec = "0016-00000101") =>
        new(400, "InvalidArgument", message, ec, ("ArgumentName", name), ("ArgumentValue", value));

    public static OssError InvalidDigest(string provided) =>
        new(400, "InvalidDigest", "The Content-MD5 you specified was invalid.", "0016-00000607", ("Content-MD5", provided));

    public static OssError IncompleteBody() =>
        new(400, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.", "0016-00000606");

    public static OssError MissingContentLength() =>
        new(411, "MissingContentLength", "You must provide the Content-Length HTTP header.", "0016-00000605");

    public static OssError EntityTooLarge(string message) =>
        new(400, "EntityTooLarge", message, "0016-00000701");

    public static OssError PreconditionFailed(string condition) =>
        new(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold.", "0026-00000011", ("Condition", condition));

    public static OssError NotModified() =>
        new(304, "NotModified", "Not Modified", "0026-00000012");

    public static OssError InvalidRange() =>
        new(416, "InvalidRange", "The requested range cannot be satisfied.", "0016-00000509");

    public static OssError FileAlreadyExists() =>
        new(409, "FileAlreadyExists", "The object you specified already exists and can not be overwritten.", "0026-00000002");

    /// <summary>
    /// A write onto an existing key of a bucket whose retention (WORM) policy protects it. The code and
    /// message are what OSS users report and what the docs quote; EC per the 0026-00000005 help page.
    /// </summary>
    public static OssError FileImmutable() =>
        new(409, "FileImmutable", "The object you specified is immutable.", "0026-00000005");

    /// <summary>
    /// Copy between buckets of different regions. The EC is OSS's (help page 0016-00000306, "cross-region
    /// copy is not supported"); the Code and Message strings are not published anywhere we could find, so
    /// LocalOss answers the 0016 family's usual 400 InvalidArgument with a plain message.
    /// </summary>
    public static OssError CrossRegionCopy(string sourceBucket, string sourceRegion, string targetRegion) =>
        new(400, "InvalidArgument",
            $"Copying across regions is not supported: the source bucket is in oss-{sourceRegion}, the destination in oss-{targetRegion}.",
            "0016-00000306", ("ArgumentName", "x-oss-copy-source"), ("ArgumentValue", sourceBucket));

    /// <summary>CopyObject of a source over the limit (5 GiB on OSS); OSS documents the limit, not the code.</summary>
    public static OssError CopySourceTooLarge(long size, long limit) =>
        new(400, "EntityTooLarge",
            $"The specified copy source is larger than the maximum allowable size for a copy source: {limit}. Use UploadPartCopy.",
            "0016-00000702", ("ObjectSize", size.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    public static OssError InvalidTag(string message, string ec) => new(400, "InvalidTag", message, ec);

    /// <summary>GET or HEAD through a symbolic link whose target is gone (HeadObject's documented answer, EC page 0026-00000012).</summary>
    public static OssError SymlinkTargetNotExist(string target) =>
        new(404, "SymlinkTargetNotExist", "The symlink target object does not exist.", "0026-00000012", ("SymlinkTarget", target));

    /// <summary>A symbolic link to a symbolic link (HeadObject's documented answer).</summary>
    public static OssError InvalidTargetType() =>
        new(400, "InvalidTargetType", "The symlink target object type is not supported.", "0026-00000013");

    /// <summary>GetSymlink of an object that is not a symbolic link (EC page 0043-00000101).</summary>
    public static OssError NotSymlink() => new(400, "NotSymlink", "The specified object is not a symlink.", "0043-00000101");

    /// <summary>UploadPartCopy from a symbolic link (EC page 0042-00000308); the code string is not published.</summary>
    public static OssError SymlinkNotCopyable() =>
        new(400, "InvalidArgument", "The source object of UploadPartCopy cannot be a symbolic link.", "0042-00000308",
            ("ArgumentName", "x-oss-copy-source"), ("ArgumentValue", "symlink"));

    /// <summary>RestoreObject of an object that is not archived (EC page 0016-00000702; the code is ali-oss's tests').</summary>
    public static OssError RestoreNotSupported(string storageClass) =>
        new(400, "OperationNotSupported", "The operation is not supported for this resource.", "0016-00000702", ("StorageClass", storageClass));

    /// <summary>A second RestoreObject while the first is running (EC page 0016-00000701).</summary>
    public static OssError RestoreAlreadyInProgress() =>
        new(409, "RestoreAlreadyInProgress", "The restore operation is in progress.", "0016-00000701");

    /// <summary>
    /// Reading or copying (GetObject, CopyObject, UploadPartCopy) an archived object that is frozen or still restoring:
    /// OSS's code and message, and the EC its error page 0016-00000404 describes ("the object specified in the request
    /// cannot be read": not restored, or the restore is still in progress).
    /// </summary>
    public static OssError InvalidObjectState() =>
        new(403, "InvalidObjectState", "The operation is not valid for the object's state", "0016-00000404");

    /// <summary>AppendObject at a position other than the object's length (ali-oss's own tests quote this message).</summary>
    public static OssError PositionNotEqualToLength() =>
        new(409, "PositionNotEqualToLength", "Position is not equal to file length", "0026-00000016");

    public static OssError ObjectNotAppendable() =>
        new(409, "ObjectNotAppendable", "The object is not appendable", "0026-00000017");

    /// <summary>
    /// OSS documents that appendable objects cannot be copied, not the answer's code: LocalOss uses OSS's
    /// generic "not supported for this resource" error.
    /// </summary>
    public static OssError AppendableNotCopyable() =>
        new(400, "OperationNotSupported", "The operation is not supported for this resource: an appendable object cannot be copied.", "0017-00000104");

    public static OssError NoSuchUpload(string uploadId) =>
        new(404, "NoSuchUpload",
            "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
            "0042-00000002", ("UploadId", uploadId));

    public static OssError InvalidPart(string message) => new(400, "InvalidPart", message, "0042-00000303");

    public static OssError InvalidPartOrder() =>
        new(400, "InvalidPartOrder", "The list of parts was not in ascending order. Parts must be ordered by part number.", "0042-00000304");

    public static OssError EntityTooSmall() =>
        new(400, "EntityTooSmall", "Your proposed upload smaller than the minimum allowed size.", "0042-00000305");

    public static OssError InvalidCopySource(string value) =>
        new(400, "InvalidArgument", "Copy Source must mention the source bucket and key: /sourcebucket/sourcekey.", "0017-00000101",
            ("ArgumentName", "x-oss-copy-source"), ("ArgumentValue", value));

    public static OssError AccessDenied(string message, string ec = "0003-00000001") => new(403, "AccessDenied", message, ec);

    public static OssError WrongEndpoint(string bucket, string region) =>
        new(403, "AccessDenied",
            "The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.",
            "0003-00000001", ("Bucket", bucket), ("Endpoint", $"oss-{region}.aliyuncs.com"));

    public static OssError NotImplemented(string what) =>
        new(501, "NotImplemented", "A header you provided implies functionality that is not implemented: " + what, "0000-00000501");

    /// <summary>An OSS feature (bucket configuration, data processing, …) LocalOss does not implement.</summary>
    public static OssError SubresourceNotImplemented(string subresource) =>
        new(501, "NotImplemented", $"LocalOss does not implement this OSS feature (the {subresource} sub-resource).", "0000-00000501",
            ("Subresource", subresource));

    /// <summary>A PostObject policy that is not Base64 JSON with an expiration and conditions.</summary>
    public static OssError InvalidPolicyDocument(string detail) =>
        new(400, "InvalidPolicyDocument", "Invalid Policy: " + detail, "0002-00000305");

    public static OssError MethodNotAllowed(string method) =>
        new(405, "MethodNotAllowed", "The specified method is not allowed against this resource.", "0000-00000405", ("Method", method));

    public static OssError SlowDown() =>
        new(503, "SlowDown", "Please reduce your request rate.", "0000-00000503");

    public static OssError Internal() => new();

    public static OssError InvalidWormState(string message) => new(409, "InvalidWormConfigurationState", message, "0029-00000001");

    public static OssError NoSuchWormConfiguration() =>
        new(404, "NoSuchWORMConfiguration", "The WORM Configuration does not exist.", "0029-00000002");
}
