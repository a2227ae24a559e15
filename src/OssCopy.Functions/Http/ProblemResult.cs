using System.Text.Json.Serialization;

namespace OssCopy.Functions.Http;

/// <summary>An RFC 9457 problem: <c>application/problem+json</c>, with <c>errors</c> naming each bad field by a JSON pointer.</summary>
public sealed class ProblemResult : JsonBodyResult
{
    public ProblemResult(ProblemBody problem)
        : base(problem?.Status ?? 500, problem, "application/problem+json")
    {
        Problem = problem!;
    }

    public ProblemBody Problem { get; }

    public static ProblemResult Create(int status, string title, string? detail = null, IReadOnlyDictionary<string, string[]>? errors = null,
        IDictionary<string, object?>? extensions = null) =>
        new(new ProblemBody
        {
            Type = "about:blank",
            Title = title,
            Status = status,
            Detail = detail,
            Errors = errors,
            Extensions = extensions,
        });
}

/// <summary>The members RFC 9457 defines plus <c>errors</c> and the extensions of each problem (OSS code, request id, EC…).</summary>
public sealed class ProblemBody
{
    public string Type { get; init; } = "about:blank";

    public required string Title { get; init; }

    public required int Status { get; init; }

    public string? Detail { get; init; }

    public string? Instance { get; init; }

    /// <summary>Each bad field (a JSON pointer into the request: <c>/bucket</c>, <c>/metadata/x</c>) with what is wrong with it.</summary>
    public IReadOnlyDictionary<string, string[]>? Errors { get; init; }

    [JsonExtensionData]
    public IDictionary<string, object?>? Extensions { get; init; }
}
