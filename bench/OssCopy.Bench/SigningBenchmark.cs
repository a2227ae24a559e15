using OssCopy.Oss.Credentials;
using OssCopy.Oss.Signing;

namespace OssCopy.Bench;

internal sealed record SigningLine(string Name, double OperationsPerSecond);

/// <summary>Signatures per second for a typical PutObject, as the client signs every attempt of every request.</summary>
internal static class SigningBenchmark
{
    internal const int Operations = 20_000;

    private static readonly OssCredentials Credentials = new("LTAI5tBenchKeyId00000000", "bench-secret-that-signs-nothing-real");

    internal static IReadOnlyList<SigningLine> Run(int repetitions) =>
    [
        Time("V4 (OSS4-HMAC-SHA256)", new OssSignerV4(), repetitions),
        Time("V1 (HMAC-SHA1)", new OssSignerV1(), repetitions),
    ];

    private static SigningLine Time(string name, IOssSigner signer, int repetitions)
    {
        var signingTime = DateTimeOffset.UtcNow;
        Measure.PromoteToOptimizedCode(() => signer.SignHeaders(PutObject(signingTime)));
        var best = Measure.Best(
            () =>
            {
                for (var i = 0; i < Operations; i++)
                {
                    signer.SignHeaders(PutObject(signingTime));
                }
            },
            repetitions);
        return new SigningLine(name, Operations / best.TotalSeconds);
    }

    // A fresh context per signature, as each request attempt builds one.
    private static OssSigningContext PutObject(DateTimeOffset signingTime) => new()
    {
        Method = "PUT",
        Bucket = "backup-cn-hangzhou",
        Key = "plans/nightly/2026-11-25/reports/Q3 revenue (final).pdf",
        Credentials = Credentials,
        Region = "cn-hangzhou",
        SigningTime = signingTime,
        Headers =
        {
            ["Content-Type"] = "application/pdf",
            ["Content-Length"] = "1048576",
            ["x-oss-forbid-overwrite"] = "true",
            ["x-oss-storage-class"] = "Standard",
            ["x-oss-tagging"] = "Backup=true&Plan=nightly",
            ["x-oss-meta-source"] = "src-bucket/reports/Q3 revenue (final).pdf",
        },
    };
}
