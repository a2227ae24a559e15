using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OssCopy.Core.Backup;
using OssCopy.Core.Copying;
using OssCopy.Core.Tests.Support;
using OssCopy.Oss;
using OssCopy.Oss.Http;

namespace OssCopy.Core.Tests.Backup;

public class MetricsAndCompositionTests
{
    /// <summary>Collects long measurements of the named meter, only those tagged with this test's plan (tests run in parallel).</summary>
    private sealed class Recorder : IDisposable
    {
        private readonly MeterListener _listener = new();

        public Recorder(string meterName, string? plan = null)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == meterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                var tagList = tags.ToArray();
                if (plan is not null && !tagList.Any(t => t.Key == OssCopyMetrics.PlanTag && Equals(t.Value, plan)))
                {
                    return;
                }

                lock (Measurements)
                {
                    Measurements.Add((instrument.Name, value, tagList.ToDictionary(t => t.Key, t => t.Value)));
                }
            });
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
            {
                var tagList = tags.ToArray();
                if (plan is null || tagList.Any(t => t.Key == OssCopyMetrics.PlanTag && Equals(t.Value, plan)))
                {
                    lock (Measurements)
                    {
                        Measurements.Add((instrument.Name, (long)Math.Ceiling(value), tagList.ToDictionary(t => t.Key, t => t.Value)));
                    }
                }
            });
            _listener.Start();
        }

        public List<(string Instrument, long Value, Dictionary<string, object?> Tags)> Measurements { get; } = [];

        public long Sum(string instrument, string? tag = null, object? value = null)
        {
            lock (Measurements)
            {
                return Measurements.Where(m => m.Instrument == instrument && (tag is null || Equals(m.Tags.GetValueOrDefault(tag), value))).Sum(m => m.Value);
            }
        }

        public void Dispose() => _listener.Dispose();
    }

    [Fact]
    public async Task A_run_records_its_copies_bytes_and_duration_on_the_OssCopy_meter()
    {
        var oss = InMemoryOss.WithSourceObjects(4);
        var plan = Runners.Plan(name: "metered-" + Guid.NewGuid().ToString("N"));
        using var recorder = new Recorder(OssCopyMetrics.MeterName, plan.Name);

        var report = await Runners.Create(oss).RunAsync(plan);

        Assert.Equal(4, report.Totals.Copied);
        Assert.Equal(4, recorder.Sum(OssCopyMetrics.Copies, OssCopyMetrics.StatusTag, "Copied"));
        Assert.Equal(report.Totals.CopiedBytes, recorder.Sum(OssCopyMetrics.BytesCopied));
        Assert.Equal(0, recorder.Sum(OssCopyMetrics.Failures));
        Assert.Single(recorder.Measurements, m => m.Instrument == OssCopyMetrics.RunDuration && Equals(m.Tags[OssCopyMetrics.StatusTag], "Completed"));
    }

    [Fact]
    public async Task Failed_copies_count_as_failures()
    {
        var oss = InMemoryOss.WithSourceObjects(3);
        oss.Fault = (operation, subject) => operation == "CopyObject" ? new OssException(403, "AccessDenied", "no", "req", null, null) : null;
        var plan = Runners.Plan(name: "failing-" + Guid.NewGuid().ToString("N"));
        using var recorder = new Recorder(OssCopyMetrics.MeterName, plan.Name);

        var report = await Runners.Create(oss).RunAsync(plan);

        Assert.Equal(3, report.Totals.Failed);
        Assert.Equal(3, recorder.Sum(OssCopyMetrics.Failures));
        Assert.Equal(3, recorder.Sum(OssCopyMetrics.Copies, OssCopyMetrics.StatusTag, "Failed"));
    }

    [Fact]
    public async Task Every_client_call_is_metered_by_operation_and_counted_for_the_run_it_belongs_to()
    {
        var oss = InMemoryOss.WithSourceObjects(2);
        await using var services = Runners.Services(oss.Client);
        var client = services.GetRequiredService<IOssClient>();
        var counter = new OssRequestCounter();
        using var listener = new MeterListener();
        long metered = 0;
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == OssClientMetrics.MeterName && instrument.Name == OssClientMetrics.Requests)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            // Only this flow's calls: other tests run at the same time.
            if (OssRequestCounter.Current == counter)
            {
                Interlocked.Add(ref metered, value);
            }
        });
        listener.Start();

        using (counter.Attach())
        {
            await client.HeadObjectAsync(new Oss.Models.HeadObjectRequest { Bucket = "src-bucket", Key = "data/000.txt" });
            await Task.Run(() => client.HeadObjectAsync(new Oss.Models.HeadObjectRequest { Bucket = "src-bucket", Key = "data/001.txt" }));
        }

        await client.HeadObjectAsync(new Oss.Models.HeadObjectRequest { Bucket = "src-bucket", Key = "data/000.txt" });

        Assert.IsType<CountingOssClient>(client);
        Assert.Equal(new Dictionary<string, long> { ["HeadObject"] = 2 }, counter.Snapshot());
        Assert.Equal(2, Interlocked.Read(ref metered));
        Assert.Equal(3, oss.Count("HeadObject"));
    }

    [Fact]
    public void AddOssCopy_composes_the_client_and_the_engine_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Oss:Region"] = "cn-hangzhou", ["Oss:AccessKeyId"] = "LTAI5tTestKey", ["Oss:AccessKeySecret"] = "secret",
            ["Backup:Verification"] = "Crc", ["CopyEngine:Verification"] = "Full",
        }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddOssCopy(configuration);
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });

        var client = provider.GetRequiredService<IOssClient>();
        var copier = provider.GetRequiredService<PlanObjectCopier>();

        Assert.IsType<OssClient>(Assert.IsType<CountingOssClient>(client).Inner);
        Assert.NotNull(provider.GetRequiredService<BackupRunner>());
        Assert.NotNull(provider.GetRequiredService<ListingWindowDiff>());
        Assert.NotNull(provider.GetRequiredService<ThrottleSignal>());
        Assert.Equal(CopyVerification.Full, VerificationPolicy.ForSingleCopy(provider.GetRequiredService<IOptions<CopyEngineOptions>>().Value));
        Assert.Equal(CopyVerification.Full, provider.GetRequiredService<CopyOrchestrator>().Options.Verification);
        var backup = provider.GetRequiredService<IOptions<BackupRunnerOptions>>().Value;
        Assert.Equal(CopyVerification.Crc, VerificationPolicy.ForPlan(Runners.Plan(), null, backup));
        Assert.Equal(CopyVerification.ETag, VerificationPolicy.ForPlan(Runners.Plan(), new BackupRunOptions { Verification = CopyVerification.ETag }, backup));
        Assert.Same(copier.OrchestratorFor(CopyVerification.Full), provider.GetRequiredService<CopyOrchestrator>());
    }
}
