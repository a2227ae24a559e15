namespace OssCopy.Bench;

/// <summary>A result that must not be reported as a figure: a wrong answer or a missed floor.</summary>
internal sealed class BenchmarkFailedException(string message) : Exception(message);
