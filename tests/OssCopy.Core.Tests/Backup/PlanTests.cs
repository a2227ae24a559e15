using Microsoft.Extensions.Configuration;
using OssCopy.Core.Backup;
using OssCopy.Core.Copying;
using OssCopy.Oss;

namespace OssCopy.Core.Tests.Backup;

public class PlanTests
{
    private const string Example = """
        {
          // comments are allowed
          "name": "nightly-photos",
          "source": { "bucket": "photos-src", "prefix": "camera/" },
          "destination": { "bucket": "photos-backup", "prefix": "camera-backup/" },
          "include": ["**/*.jpg", "**/*.mp4"],
          "exclude": ["**/tmp/**"],
          "options": { "storageClass": "IA", "verification": "Crc", "parallelism": 32, "forbidOverwrite": false },
          "tagRules": [
            { "prefix": "raw/", "maxSize": 1073741824, "action": "Replace", "tagging": "Backup={plan}&Date={date}" },
            { "suffix": ".mp4", "action": "Merge", "tagging": "From={sourceBucket}" },
            { "action": "Copy" }
          ],
          "oss": { "region": "cn-hangzhou", "endpoint": "http://127.0.0.1:9000", "usePathStyle": true }
        }
        """;

    [Fact]
    public void A_plan_loads_from_JSON_with_every_field()
    {
        var plan = BackupPlanLoader.Parse(Example);

        Assert.Equal(("nightly-photos", "photos-src", "camera/", "photos-backup", "camera-backup/"),
            (plan.Name, plan.Source.Bucket, plan.Source.Prefix, plan.Destination.Bucket, plan.Destination.Prefix));
        Assert.Equal(["**/*.jpg", "**/*.mp4"], plan.Include);
        Assert.Equal(("IA", CopyVerification.Crc, 32), (plan.Options.StorageClass, plan.Options.Verification!.Value, plan.Options.Parallelism!.Value));
        Assert.Equal([TagAction.Replace, TagAction.Merge, TagAction.Copy], plan.TagRules.Select(r => r.Action));
        Assert.Equal(1073741824L, plan.TagRules[0].MaxSize);
        Assert.Equal(("cn-hangzhou", "http://127.0.0.1:9000", true), (plan.Oss!.Region, plan.Oss.Endpoint, plan.Oss.UsePathStyle));
    }

    [Fact]
    public void Plans_bind_from_app_settings_as_the_functions_will_read_them()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Backup:Plans:0:Name"] = "hourly",
            ["Backup:Plans:0:Source:Bucket"] = "src-bucket",
            ["Backup:Plans:0:Destination:Bucket"] = "dst-bucket",
            ["Backup:Plans:0:Destination:Prefix"] = "copy/",
            ["Backup:Plans:0:Source:Prefix"] = "live/",
            ["Backup:Plans:0:TagRules:0:Action"] = "Replace",
            ["Backup:Plans:0:TagRules:0:Tagging"] = "Backup={plan}",
            ["Backup:Plans:0:Options:Verification"] = "Full",
        }).Build();

        var plan = Assert.Single(BackupPlanLoader.FromConfiguration(configuration.GetSection("Backup:Plans")));

        Assert.Equal(("hourly", "live/", "copy/", TagAction.Replace, CopyVerification.Full),
            (plan.Name, plan.Source.Prefix, plan.Destination.Prefix, plan.TagRules[0].Action, plan.Options.Verification!.Value));
    }

    [Theory]
    [InlineData("""{"name":"bad name!","source":{"bucket":"a-b"},"destination":{"bucket":"c-d"}}""", "name")]
    [InlineData("""{"name":"p","source":{"bucket":"A"},"destination":{"bucket":"c-d"}}""", "source.bucket")]
    [InlineData("""{"name":"p","source":{"bucket":"a-b","prefix":"/x"},"destination":{"bucket":"c-d"}}""", "source.prefix")]
    [InlineData("""{"name":"p","source":{"bucket":"a-b","prefix":"x/"},"destination":{"bucket":"a-b","prefix":"x/copy/"}}""", "destination.prefix")]
    [InlineData("""{"name":"p","source":{"bucket":"a-b"},"destination":{"bucket":"c-d"},"options":{"storageClass":"Gold"}}""", "options.storageClass")]
    [InlineData("""{"name":"p","source":{"bucket":"a-b"},"destination":{"bucket":"c-d"},"tagRules":[{"action":"Copy","tagging":"a=1"}]}""", "tagRules[0].tagging")]
    [InlineData("""{"name":"p","source":{"bucket":"a-b"},"destination":{"bucket":"c-d"},"tagRules":[{"action":"Copy"},{"action":"Replace","tagging":"a={nope}"}]}""", "tagRules[1].tagging")]
    [InlineData("""{"name":"p","source":{"bucket":"a-b"},"destination":{"bucket":"c-d"},"tagRules":[{"action":"Merge"}]}""", "tagRules[0].tagging")]
    [InlineData("""{"name":"p","source":{"bucket":"a-b"},"destination":{"bucket":"c-d"},"tagRules":[{"minSize":10,"maxSize":5}]}""", "tagRules[0].minSize")]
    [InlineData("""{"name":"p","source":{"bucket":"a-b"},"destination":{"bucket":"c-d"},"tagRules":[{"action":"Replace","tagging":"k1&k2&k3&k4&k5&k6&k7&k8&k9&k10&k11"}]}""", "tagRules[0].tagging")]
    [InlineData("""{"name":"p","source":{"bucket":"a-b"},"destination":{"bucket":"c-d"},"sourceBuckett":"x"}""", "$")]
    [InlineData("""{"name":"p","source":{"bucket":"a-b"},"destination":{"bucket":"c-d"},"tagRules":[{"action":"Rename"}]}""", "$.tagRules[0].action")]
    [InlineData("""{"name":"p","source":{"bucket":"a-b"},"destination":{"bucket":"c-d"},"tagRules":[{"action":1}]}""", "$.tagRules[0].action")]
    [InlineData("""{"name":"p","source":{"bucket":"a-b"},"destination":{"bucket":"c-d"},"tagRules":[{"action":"2"}]}""", "$.tagRules[0].action")]
    public void A_bad_plan_is_refused_naming_the_field(string json, string field)
    {
        var error = Assert.Throws<CopyValidationException>(() => BackupPlanLoader.Parse(json));

        Assert.Contains(error.Errors, e => e.Field == field || (field == "$" && e.Field.StartsWith('$')));
    }

    [Theory]
    [InlineData("**/*.jpg", "a.jpg", true)]
    [InlineData("**/*.jpg", "x/y/a.jpg", true)]
    [InlineData("*.jpg", "x/a.jpg", false)]
    [InlineData("x/*", "x/a", true)]
    [InlineData("x/*", "x/a/b", false)]
    [InlineData("x/**", "x/a/b", true)]
    [InlineData("**/tmp/**", "a/tmp/b.txt", true)]
    [InlineData("**/tmp/**", "tmp/b.txt", true)]
    [InlineData("**/tmp/**", "a/tmpx/b.txt", false)]
    [InlineData("file?.txt", "file1.txt", true)]
    [InlineData("file?.txt", "file10.txt", false)]
    [InlineData("a+b (1).txt", "a+b (1).txt", true)]
    public void Key_patterns_are_globs(string pattern, string key, bool matches) =>
        Assert.Equal(matches, new KeyPattern(pattern).IsMatch(key));

    [Fact]
    public void A_tagging_template_is_split_before_placeholders_are_filled()
    {
        var tags = TagTemplate.Expand("Backup={plan}&Src={sourceBucket}&Day={date}&Note=a%20b", new TagPlaceholders("a&b=c", new DateOnly(2026, 11, 25), "src-1"), "t");

        Assert.Equal(("a&b=c", "src-1", "2026-11-25", "a b"), (tags["Backup"], tags["Src"], tags["Day"], tags["Note"]));
        Assert.Equal(4, tags.Count);
        Assert.Equal(tags, OssTagging.Parse(tags.ToString()));
    }

    [Fact]
    public void Tag_rules_match_by_prefix_suffix_and_size()
    {
        var rule = new TagRule { Prefix = "logs/", Suffix = ".gz", MinSize = 10, MaxSize = 100 };

        Assert.True(rule.Matches("logs/a.gz", 10));
        Assert.True(rule.Matches("logs/a.gz", 100));
        Assert.False(rule.Matches("logs/a.gz", 101));
        Assert.False(rule.Matches("logs/a.txt", 50));
        Assert.False(rule.Matches("x/logs/a.gz", 50));
        Assert.True(new TagRule().Matches("anything", 0));
    }
}
