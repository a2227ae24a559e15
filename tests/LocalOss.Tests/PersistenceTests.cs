using System.Security.Cryptography;
using LocalOss.Tests.Support;

namespace LocalOss.Tests;

public sealed class PersistenceTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "localoss-test-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    private LocalOssOptions Options() => new() { Port = 0, DataDirectory = _data };

    [Fact]
    public async Task A_restarted_server_has_everything_it_acknowledged()
    {
        var big = RandomNumberGenerator.GetBytes(300 * 1024);
        string bucket, versioned, v1;
        await using (var server = await LocalOssServer.StartAsync(Options()))
        {
            using var http = new HttpClient();
            var client = new OssTestClient(http, server.BaseAddress);
            bucket = OssTestClient.NewBucketName();
            versioned = OssTestClient.NewBucketName();
            Assert.Equal(200, (await client.CreateBucketAsync(bucket, "cn-beijing")).Status);
            Assert.Equal(200, (await client.CreateBucketAsync(versioned)).Status);
            await client.SendAsync(new OssCall(HttpMethod.Put, versioned).Q("versioning").WithBody("<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>"));
            await client.PutAsync(bucket, "big", big, c => { c.Region = "cn-beijing"; c.H("x-oss-meta-m", "v").H("x-oss-tagging", "t=1"); });
            await client.CopyAsync(bucket, "big", bucket, "copy");
            v1 = (await client.PutAsync(versioned, "k", "one")).Header("x-oss-version-id")!;
            await client.PutAsync(versioned, "k", "two");
            var uploadId = (await client.SendAsync(new OssCall(HttpMethod.Post, bucket, "pending").Q("uploads"))).X("UploadId")!;
            await client.SendAsync(new OssCall(HttpMethod.Put, bucket, "pending") { Body = big }.Q("partNumber", "1").Q("uploadId", uploadId));
        }

        // A blob file that no metadata references (as a crash between rename and commit leaves) is swept.
        var stray = Path.Combine(_data, "blobs", "ff", new string('f', 64));
        Directory.CreateDirectory(Path.GetDirectoryName(stray)!);
        await File.WriteAllTextAsync(stray, "orphan");
        Directory.CreateDirectory(Path.Combine(_data, "tmp"));
        await File.WriteAllTextAsync(Path.Combine(_data, "tmp", "half-upload"), "partial");

        await using (var server = await LocalOssServer.StartAsync(Options()))
        {
            using var http = new HttpClient();
            var client = new OssTestClient(http, server.BaseAddress);
            var get = await client.GetAsync(bucket, "big");
            Assert.Equal(big, get.Body);
            Assert.Equal("v", get.Header("x-oss-meta-m"));
            Assert.Equal("1", get.Header("x-oss-tagging-count"));
            Assert.Equal(big, (await client.GetAsync(bucket, "copy")).Body);
            Assert.Equal("oss-cn-beijing", (await client.SendAsync(new OssCall(HttpMethod.Get, bucket).Q("location"))).X("LocationConstraint"));
            Assert.Equal("two", (await client.GetAsync(versioned, "k")).Text);
            Assert.Equal("one", (await client.GetAsync(versioned, "k", c => c.Q("versionId", v1))).Text);
            Assert.Single((await client.SendAsync(new OssCall(HttpMethod.Get, bucket).Q("uploads"))).Xml.Descendants("UploadId"));
            Assert.False(File.Exists(stray));
            Assert.Empty(Directory.EnumerateFiles(Path.Combine(_data, "tmp")));
            Assert.Equal(3, server.StoredBlobCount);
        }
    }

    [Fact]
    public async Task A_store_written_before_archive_restores_existed_opens_and_restores()
    {
        string bucket;
        await using (var server = await LocalOssServer.StartAsync(Options()))
        {
            using var http = new HttpClient();
            var client = new OssTestClient(http, server.BaseAddress);
            bucket = OssTestClient.NewBucketName();
            await client.CreateBucketAsync(bucket);
            await client.PutAsync(bucket, "cold", "frozen", c => c.H("x-oss-storage-class", "Archive"));
        }

        // The schema as it was: no restore columns.
        await using (var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_data, "localoss.db")};Pooling=False"))
        {
            await db.OpenAsync();
            using var drop = db.CreateCommand();
            drop.CommandText = "ALTER TABLE objects DROP COLUMN restore_ready_ms; ALTER TABLE objects DROP COLUMN restore_expiry_ms; " +
                               "ALTER TABLE versions DROP COLUMN restore_ready_ms; ALTER TABLE versions DROP COLUMN restore_expiry_ms;";
            await drop.ExecuteNonQueryAsync();
        }

        var options = Options();
        options.RestoreDelay = TimeSpan.Zero;
        await using (var server = await LocalOssServer.StartAsync(options))
        {
            using var http = new HttpClient();
            var client = new OssTestClient(http, server.BaseAddress);
            Assert.Equal("InvalidObjectState", (await client.GetAsync(bucket, "cold")).ErrorCode);
            Assert.Equal(202, (await client.SendAsync(new OssCall(HttpMethod.Post, bucket, "cold").Q("restore"))).Status);
            Assert.Equal("frozen", (await client.GetAsync(bucket, "cold")).Text);
        }
    }
}
