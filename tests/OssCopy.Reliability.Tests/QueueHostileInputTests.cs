using System.Text;
using System.Text.Json;
using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using OssCopy.AzureStorage;
using OssCopy.AzureStorage.DistributedBackupRun;
using OssCopy.AzureStorage.Tests;
using OssCopy.Core.Backup;
using OssCopy.Reliability.Tests.Support;
using Xunit.Abstractions;

namespace OssCopy.Reliability.Tests;

/// <summary>
/// Generated malformed and hostile messages in the distributed run's list and copy queues, among a real run's: the
/// worker keeps going, the real run completes, every message that is not ours ends in the poison queue, messages for
/// runs that do not exist are dropped, and none of them makes an OSS request.
/// </summary>
[Collection(AzuriteTests.Name)]
[Trait(ReliabilityScale.Category, ReliabilityScale.Reliability)]
public sealed class QueueHostileInputTests(AzuriteFixture azurite, LocalOssWorld oss, ITestOutputHelper output) : IClassFixture<LocalOssWorld>
{
    private static readonly Gen<string> Text = Gen.OneOf(
        Gen.String[Gen.Char["abcXYZ-_./ 09"], 0, 30],
        Gen.String[Gen.Char[(char)1, (char)0x7f], 1, 12],
        Gen.OneOf("", "../../x", "null", "\u0000", "\ud800", new string('p', 1000)));

    private static readonly Gen<string> Json = Gen.OneOf(
        Gen.Const("null"), Gen.Const("{}"), Gen.Const("[]"), Gen.Const("\"text\""), Gen.Const("17"),
        Gen.Const("{\"plan\":null,\"runId\":null,\"batchId\":null,\"items\":null}"),
        Gen.Const("{\"plan\":\"p\",\"runId\":\"r\",\"batchId\":\"b\",\"items\":[null]}"),
        Gen.Const("{\"plan\":\"p\",\"runId\":\"r\",\"rangeId\":null}"),
        Gen.Select(Text, Text, Text, (plan, run, range) =>
            $"{{\"plan\":{JsonSerializer.Serialize(plan)},\"runId\":{JsonSerializer.Serialize(run)},\"rangeId\":{JsonSerializer.Serialize(range)},\"after\":null,\"last\":null}}"),
        Gen.Select(Text, Text, Text, (plan, run, key) =>
            $"{{\"plan\":{JsonSerializer.Serialize(plan)},\"runId\":{JsonSerializer.Serialize(run)},\"batchId\":\"b1\",\"items\":[{{\"relativeKey\":{JsonSerializer.Serialize(key)},\"kind\":\"Missing\"}}]}}"),
        Gen.Select(Text, Gen.Int[0, 3], (text, kind) => $"{{\"plan\":{(kind == 0 ? "5" : "[]")},\"runId\":{{}},\"batchId\":{JsonSerializer.Serialize(text)},\"items\":\"x\"}}"),
        Gen.Int[2, 400].Select(depth => string.Concat(Enumerable.Repeat("{\"items\":", depth)) + "1" + new string('}', depth)),
        Gen.String[Gen.Char["{}[]\":,0123456789.-eE truefalsn\\u"], 1, 200]);

    private static readonly Gen<byte[]> Message = Gen.OneOf(
        Json.Select(Encoding.UTF8.GetBytes),
        Json.Select(Encoding.UTF8.GetBytes),
        Gen.Byte.Array[1, 300],
        Gen.Byte.Array[1, 8].Select(bad => Encoding.UTF8.GetBytes("{\"plan\":\"").Concat(bad.Select(b => (byte)(b | 0x80))).Concat(Encoding.UTF8.GetBytes("\"}")).ToArray()));

    private static readonly Gen<(byte[] Body, bool CopyQueue)> AnyMessage = Gen.Select(Message, Gen.Bool, (body, copy) => (body, copy));

    /// <summary>
    /// What holds today: messages that are no message of ours, or ours for runs that do not exist, are poisoned or
    /// dropped and the worker goes on.
    /// </summary>
    [Fact]
    public Task Hostile_queue_messages_end_in_poison_or_are_dropped_and_a_real_run_among_them_completes() =>
        CheckAsync(AnyMessage.Where(m => Classify(m.Body, m.CopyQueue) != MessageShape.HostileNames).Array[12, 12]);

    /// <summary>The issue's requirement for every message, those of our shape with a null, empty or control-character plan or run id included.</summary>
    [Fact]
    public Task Hostile_queue_messages_with_hostile_names_end_in_poison_too() =>
        CheckAsync(AnyMessage.Array[12, 12]);

    private enum MessageShape
    {
        Undecodable,
        HostileNames,
        WellFormed,
    }

    private static MessageShape Classify(byte[] body, bool copyQueue)
    {
        if (!Decodes(body, copyQueue))
        {
            return MessageShape.Undecodable;
        }

        var (plan, runId) = copyQueue
            ? QueueMessageCodec.Decode<CopyBatchMessage<CopyWorkItem>>(new BinaryData(body)) is var batch ? (batch.Plan, batch.RunId) : default
            : QueueMessageCodec.Decode<ListStepMessage>(new BinaryData(body)) is var step ? (step.Plan, step.RunId) : default;
        static bool Sane(string? name) => !string.IsNullOrEmpty(name) && name.All(c => c is >= ' ' and < '\u007f' || c > '\u009f' && !char.IsSurrogate(c));
        static bool SaneRunId(string? id) => !string.IsNullOrEmpty(id) && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
        return Sane(plan) && SaneRunId(runId) ? MessageShape.WellFormed : MessageShape.HostileNames;
    }

    private async Task CheckAsync(Gen<(byte[] Body, bool CopyQueue)[]> generated)
    {
        await generated.SampleAsync(async messages =>
        {
            var source = await oss.NewBucketAsync("qsrc");
            var destination = await oss.NewBucketAsync("qdst");
            var objects = await oss.SeedAsync(source, "data/", 20);
            var plan = new BackupPlan
            {
                Name = "qhostile-" + Guid.NewGuid().ToString("N")[..6],
                Source = new BucketLocation { Bucket = source, Prefix = "data/" },
                Destination = new BucketLocation { Bucket = destination, Prefix = "copy/" },
            };
            var log = new CapturedLog();
            await using var hosts = new DistributedHosts(
                DistributedHosts.Configuration(azurite, oss, TestNames.UniqueOptions(), new Dictionary<string, string?> { ["OssCopy:AzureStorage:MaxDequeueCount"] = "2" }), workers: 1, log);
            var lists = hosts.Control.GetRequiredKeyedService<QueueTransport>(StorageQueues.List);
            var copies = hosts.Control.GetRequiredKeyedService<QueueTransport>(StorageQueues.Copy);
            var start = await hosts.Control.GetRequiredService<DistributedRunStarter>().StartAsync(plan, null, CancellationToken.None);
            foreach (var (body, copyQueue) in messages)
            {
                await (copyQueue ? copies : lists).SendAsync(new BinaryData(body), null, CancellationToken.None);
            }

            oss.Server.Counters.Reset();
            var run = await hosts.WaitAsync(plan.Name, start.Run.RunId, TimeSpan.FromSeconds(90));

            // Then until both queues are empty: released messages come back at once (no retry visibility).
            var worker = hosts.Control.GetRequiredService<DistributedWorker>();
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (await lists.ApproximateCountAsync(CancellationToken.None) + await copies.ApproximateCountAsync(CancellationToken.None) > 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "hostile messages still in the queues after 60 s");
                await worker.ProcessOnceAsync(CancellationToken.None);
            }

            var poisoned = (await lists.PeekPoisonAsync(32, CancellationToken.None)).Concat(await copies.PeekPoisonAsync(32, CancellationToken.None))
                .Select(b => Convert.ToBase64String(b.ToArray())).ToList();
            var undecodable = messages.Where(m => !Decodes(m.Body, m.CopyQueue)).Select(m => Convert.ToBase64String(m.Body)).ToList();
            output.WriteLine($"{messages.Length} hostile messages: {undecodable.Count} undecodable, {poisoned.Count} poisoned");

            Assert.True(run.Status == RunStatus.Completed, $"{run.Status}: {run.Error}");
            Assert.Equal((20L, 0L), (run.Totals.Copied, run.Totals.Failed));
            Assert.Equal(20, oss.Server.Counters["CopyObject"]); // the real run's copies and nothing for the hostile messages
            Assert.All(undecodable, m => Assert.Contains(m, poisoned));
            Assert.All(poisoned, p => Assert.Contains(p, messages.Select(m => Convert.ToBase64String(m.Body))));
            Assert.DoesNotContain(log.Lines, l => l.Contains("could not reach its queues", StringComparison.Ordinal));
            var audit = await LocalOssWorld.AuditAsync(oss.Admin, objects, "data/", destination, "copy/");
            Assert.True(audit.IsComplete, audit.ToString());
            SecretScan.AssertClean("distributed hosts' log", log.Lines);
        }, iter: 2, threads: 1, print: m => string.Join(" | ", m.Select(x => $"{(x.CopyQueue ? "copy" : "list")}:{Encoding.UTF8.GetString(x.Body.AsSpan(0, Math.Min(60, x.Body.Length)))}")));
    }

    private static bool Decodes(byte[] body, bool copyQueue)
    {
        try
        {
            _ = copyQueue ? (object)QueueMessageCodec.Decode<CopyBatchMessage<CopyWorkItem>>(new BinaryData(body)) : QueueMessageCodec.Decode<ListStepMessage>(new BinaryData(body));
            return true;
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException or NotSupportedException or ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }
}
