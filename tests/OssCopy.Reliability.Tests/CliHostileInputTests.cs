using System.Text;
using System.Text.Json;
using CsCheck;
using OssCopy.Cli;
using OssCopy.Reliability.Tests.Support;

namespace OssCopy.Reliability.Tests;

/// <summary>
/// Generated broken plan files and command lines: each is refused with exit code 2 and a message on stderr, before
/// any OSS request (LocalOss's counters do not move), and never with an unhandled exception.
/// </summary>
public sealed class CliHostileInputTests(LocalOssWorld oss) : IClassFixture<LocalOssWorld>, IDisposable
{
    private const int Iterations = 200;

    private readonly string _dir = Directory.CreateTempSubdirectory("osscopy-hostile-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<(int Code, string Out, string Error)> RunAsync(string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var env = CliEnvironment.ForWriters(output, error);
        var app = new CliApp(new CliEnvironment
        {
            Out = env.Out, Error = env.Error, Console = env.Console,
            GetVariable = name => name switch
            {
                "OSS_ACCESS_KEY_ID" => SecretScan.AccessKeyId,
                "OSS_ACCESS_KEY_SECRET" => SecretScan.AccessKeySecret,
                "AzureWebJobsStorage" => "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + SecretScan.StorageAccountKey + ";BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;",
                _ => null,
            },
        });
        var code = await app.RunAsync(args, CancellationToken.None);
        return (code, output.ToString(), error.ToString());
    }

    private async Task AssertRefusedAsync(string[] args, string what)
    {
        var before = oss.Server.Counters.Total;
        var (code, output, error) = await RunAsync(args);
        Assert.True(code == CliApp.BadUsage, $"exit {code} for {what}: {error} {output}");
        Assert.False(string.IsNullOrWhiteSpace(error), $"no message for {what}");
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal); // a message, not a stack trace
        Assert.Equal(before, oss.Server.Counters.Total);
        SecretScan.AssertClean("osscopy output", output, error);
    }

    private static string Valid(string endpoint, string source = "src-bucket", string destination = "dst-bucket") => $$"""
        {
          "name": "hostile",
          "source": { "bucket": "{{source}}", "prefix": "in/" },
          "destination": { "bucket": "{{destination}}", "prefix": "out/" },
          "oss": { "region": "cn-hangzhou", "endpoint": "{{endpoint}}", "usePathStyle": true }
        }
        """;

    private static readonly Gen<string> Text = Gen.OneOf(
        Gen.String[Gen.Char["abcXYZ-_./ 09*?[]{}"], 0, 30],
        Gen.String[Gen.Char[(char)0, (char)0x7f], 1, 12],
        Gen.OneOf("", " ", "Bad_Bucket", "ab", new string('a', 70), "../../etc/passwd", "a\u0000b", "\ud800", "{date}", "{nope}"));

    /// <summary>A plan with one thing certainly wrong with it, as the text of a plan file (or bytes that are no plan at all).</summary>
    private static Gen<byte[]> BrokenPlan(string endpoint) => Gen.OneOf(
        Gen.Select(Gen.Int[0, 16], Text, Gen.Int[-5, 5000], (defect, text, number) =>
        {
            var name = JsonSerializer.Serialize(text);
            var plan = defect switch
            {
                0 => Valid(endpoint)[..Math.Max(1, Valid(endpoint).Length * (number & 0xff) / 256)] is var cut && cut != Valid(endpoint) ? cut : "{",
                1 => Valid(endpoint).Replace("\"hostile\"", "\"" + new string('n', 65) + "\"", StringComparison.Ordinal),
                2 => Valid(endpoint, source: "Bad_" + (text.Length > 0 && char.IsAsciiLetterLower(text[0]) ? text : "x") + "_Bucket"),
                3 => Valid(endpoint, destination: text.Length is >= 3 and <= 63 && text.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c)) ? text.ToUpperInvariant() + "_" : "ab"),
                4 => Valid(endpoint).Replace("\"destination\": { \"bucket\": \"dst-bucket\", \"prefix\": \"out/\" },", "", StringComparison.Ordinal),
                5 => Valid(endpoint).Replace("\"prefix\": \"in/\"", "\"prefix\": \"/in/\"", StringComparison.Ordinal),
                6 => Valid(endpoint).Replace("\"name\": \"hostile\",", "\"name\": \"hostile\", \"include\": [\"\"],", StringComparison.Ordinal),
                7 => Valid(endpoint).Replace("\"name\": \"hostile\",", $"\"name\": \"hostile\", \"options\": {{ \"parallelism\": {(number <= 0 ? number : 1024 + number)} }},", StringComparison.Ordinal),
                8 => Valid(endpoint).Replace("\"name\": \"hostile\",", $"\"name\": \"hostile\", \"options\": {{ \"storageClass\": {JsonSerializer.Serialize("Glacier" + text)} }},", StringComparison.Ordinal),
                9 => Valid(endpoint).Replace("\"name\": \"hostile\",", "\"name\": \"hostile\", \"tagRules\": [ { \"prefix\": \"a/\", \"action\": \"Merge\" } ],", StringComparison.Ordinal),
                10 => Valid(endpoint).Replace("\"source\": {", "\"source\": 5, \"ignored\": {", StringComparison.Ordinal),
                11 => Valid(endpoint, destination: "src-bucket").Replace("\"prefix\": \"out/\"", "\"prefix\": \"in/sub/\"", StringComparison.Ordinal),
                12 => string.Concat(Enumerable.Repeat("{\"source\":", 10 + number)) + "1" + new string('}', 10 + number),
                13 => Valid(endpoint).Replace("\"name\": \"hostile\",", $"\"name\": \"hostile\", \"tagRules\": [ {{ \"minSize\": {number + 10}, \"maxSize\": {number}, \"action\": \"Copy\" }} ],", StringComparison.Ordinal),
                14 => Valid(endpoint).Replace("\"name\": \"hostile\",", "\"name\": \"hostile\", \"options\": { \"serverSideEncryptionKeyId\": \"k\" },", StringComparison.Ordinal),
                15 => Valid(endpoint).Replace("\"name\": \"hostile\"", "\"name\": " + (text.Length == 0 ? "[]" : "17"), StringComparison.Ordinal),
                _ => "",
            };
            return Encoding.UTF8.GetBytes(plan);
        }),
        Gen.Byte.Array[0, 200],
        Gen.Byte.Array[1, 8].Select(bad => Encoding.UTF8.GetBytes("{\"name\":\"").Concat(bad.Select(b => (byte)(b | 0x80))).Concat(Encoding.UTF8.GetBytes("\"}")).ToArray()));

    [Fact]
    public async Task Broken_plan_files_are_refused_with_exit_2_and_a_message_before_any_oss_request()
    {
        var plan = Path.Combine(_dir, "plan.json");
        await BrokenPlan(oss.Endpoint).SampleAsync(async bytes =>
        {
            await File.WriteAllBytesAsync(plan, bytes);
            await AssertRefusedAsync(["backup", "--plan", plan, "--state-dir", Path.Combine(_dir, "state")], Encoding.UTF8.GetString(bytes));
        }, iter: Iterations, threads: 1, print: b => Encoding.UTF8.GetString(b.AsSpan(0, Math.Min(b.Length, 300))));
    }

    /// <summary>A command line with one thing certainly wrong with it, around a valid plan.</summary>
    private static Gen<string[]> BrokenArguments(string plan, string endpoint) => Gen.Select<int, string, int, string[]>(Gen.Int[0, 11], Text, Gen.Int[-5, 5000], (defect, text, number) =>
    {
        string[] backup = ["backup", "--plan", plan];
        var word = text.Length == 0 || text.StartsWith('-') ? "zz" : text;
        return defect switch
        {
            0 => [.. backup, "--parallel", (number <= 0 ? number : 1024 + number).ToString(System.Globalization.CultureInfo.InvariantCulture)],
            1 => [.. backup, "--parallel", "x" + word],
            2 => [.. backup, "--verify", word is "etag" or "crc" or "full" ? "md5" : word],
            3 => [.. backup, "--" + (word.Length > 0 ? "no-such-" + word.Replace(" ", "", StringComparison.Ordinal) : "no-such")],
            4 => ["backup"],
            5 => ["backup", "--plan"],
            6 => ["backup", "--plan", Path.Combine(Path.GetDirectoryName(plan)!, "missing-" + Guid.NewGuid().ToString("N") + ".json")],
            7 => ["copy", "--region", "cn-hangzhou", "--endpoint", endpoint, "--bucket", "dst-bucket", "--key", "k"],
            8 => ["copy", "--region", "cn-hangzhou", "--endpoint", endpoint, "--bucket", "dst-bucket", "--key", "k", "--source-bucket", "src-bucket", "--source-key", "s", "--verify", "md5" + word],
            9 => ["worker", "--parallel", "2"],
            10 => [.. backup, "--distributed", "--workers", (number <= 0 ? number : 256 + number).ToString(System.Globalization.CultureInfo.InvariantCulture)],
            _ => ["no-such-command-" + word],
        };
    });

    [Fact]
    public async Task Broken_command_lines_are_refused_with_exit_2_and_a_message_before_any_oss_request()
    {
        var plan = Path.Combine(_dir, "valid.json");
        await File.WriteAllTextAsync(plan, Valid(oss.Endpoint));
        await BrokenArguments(plan, oss.Endpoint).SampleAsync(
            async args => await AssertRefusedAsync(args, string.Join(' ', args)),
            iter: Iterations, threads: 1, print: a => string.Join(' ', a));
    }
}
