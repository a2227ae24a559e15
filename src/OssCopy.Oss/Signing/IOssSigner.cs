namespace OssCopy.Oss.Signing;

/// <summary>Signs a request in place: in headers (<c>Authorization</c>) or as a presigned URL (query).</summary>
public interface IOssSigner
{
    OssSignatureVersion Version { get; }

    /// <summary>Adds the date, token and <c>Authorization</c> headers to <paramref name="context"/>.</summary>
    void SignHeaders(OssSigningContext context);

    /// <summary>Adds the signature query parameters to <paramref name="context"/>, valid until <paramref name="expiration"/>.</summary>
    void Presign(OssSigningContext context, DateTimeOffset expiration);
}
