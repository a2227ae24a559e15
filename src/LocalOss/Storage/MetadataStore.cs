using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;

namespace LocalOss.Storage;

/// <summary>
/// Buckets, objects, versions, uploads, parts and blob reference counts, in SQLite.
/// </summary>
/// <remarks>
/// Why SQLite (through Microsoft.Data.Sqlite, in WAL mode):
/// <list type="bullet">
/// <item>Atomic transactions: a copy reads its source and writes its destination, versions and blob
/// reference counts in one transaction, so a failure midway changes nothing.</item>
/// <item>Crash safety: WAL commits survive a killed process (and, with <see cref="LocalOssOptions.DurableWrites"/>,
/// a power loss); a restarted server sees exactly what was acknowledged.</item>
/// <item>Keys are stored as UTF-8 BLOBs in a B-tree primary key (bucket, key), which orders them by bytes as
/// OSS does; listing seeks in that index and reads one page, so a bucket of 1,000,000 objects is paged,
/// never scanned, and a delimiter skips a whole common prefix with one seek.</item>
/// </list>
/// One connection, guarded by an async lock, serves every request: each critical section is a handful of
/// prepared statements on in-process pages (microseconds), no data I/O happens under the lock, and a
/// single writer is what SQLite allows anyway.
/// </remarks>
internal sealed class MetadataStore : IDisposable
{
    private const string ObjectColumns =
        "bucket, key, version_id, seq, delete_marker, size, etag, crc64, content_type, modified_ms, headers, tags, " +
        "object_type, storage_class, acl, sse, sse_key_id, sse_data, segments, restore_ready_ms, restore_expiry_ms";

    /// <summary>How many columns <see cref="ObjectColumns"/> names (a listing's extra column comes after them).</summary>
    private const int ObjectColumnCount = 21;

    private readonly SqliteConnection _db;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, BucketRecord> _buckets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
    private readonly StoreSession _session;
    private long _seq;

    private MetadataStore(SqliteConnection db, BlobStore blobs)
    {
        _db = db;
        Blobs = blobs;
        _session = new StoreSession(this);
    }

    public BlobStore Blobs { get; }

    public static MetadataStore Open(string? dataDirectory, BlobStore blobs, bool durable)
    {
        string connectionString;
        if (dataDirectory is null)
        {
            connectionString = new SqliteConnectionStringBuilder { DataSource = ":memory:", Pooling = false }.ToString();
        }
        else
        {
            Directory.CreateDirectory(dataDirectory);
            connectionString = new SqliteConnectionStringBuilder
            {
                DataSource = Path.Combine(dataDirectory, "localoss.db"),
                Mode = SqliteOpenMode.ReadWriteCreate,
                Pooling = false,
            }.ToString();
        }

        var db = new SqliteConnection(connectionString);
        db.Open();
        var store = new MetadataStore(db, blobs);
        store.Execute(dataDirectory is null ? "PRAGMA journal_mode=MEMORY;" : "PRAGMA journal_mode=WAL;");
        store.Execute(durable ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;");
        store.Execute("PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536;");
        store.CreateSchema();
        store.LoadState();
        return store;
    }

    /// <summary>Runs <paramref name="work"/> alone on the store, without a transaction (reads).</summary>
    public async Task<T> ReadAsync<T>(Func<StoreSession, T> work, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _session.Begin(null);
            return work(_session);
        }
        finally
        {
            _session.End();
            _gate.Release();
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> in one transaction: all of it is committed, or (on any exception)
    /// none of it, including blobs it published. Blobs whose last reference went are deleted after commit.
    /// </summary>
    public async Task<T> WriteAsync<T>(Func<StoreSession, T> work, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var transaction = _db.BeginTransaction();
            _session.Begin(transaction);
            T result;
            try
            {
                result = work(_session);
                transaction.Commit();
            }
            catch
            {
                transaction.Rollback();
                _session.AfterRollback();
                throw;
            }

            _session.AfterCommit();
            return result;
        }
        finally
        {
            _session.End();
            _gate.Release();
        }
    }

    /// <summary>Deletes blob files no row references (left by a crash between rename and commit).</summary>
    public int SweepOrphanBlobs()
    {
        _gate.Wait();
        try
        {
            var known = new HashSet<string>(StringComparer.Ordinal);
            using (var cmd = _db.CreateCommand())
            {
                cmd.CommandText = "SELECT sha FROM blobs WHERE refs > 0";
                using var reader = cmd.ExecuteReader();
                while (reader.Read())
                {
                    known.Add(reader.GetString(0));
                }
            }

            var removed = 0;
            foreach (var sha in Blobs.Enumerate())
            {
                if (!known.Contains(sha))
                {
                    Blobs.Delete(sha);
                    removed++;
                }
            }

            Execute("DELETE FROM blobs WHERE refs <= 0;");
            return removed;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        _db.Dispose();
        _gate.Dispose();
        Blobs.Dispose();
    }

    private void Execute(string sql)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private void CreateSchema()
    {
        const string objectShape =
            "bucket TEXT NOT NULL, key BLOB NOT NULL, version_id TEXT NOT NULL, seq INTEGER NOT NULL, " +
            "delete_marker INTEGER NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL, crc64 INTEGER NOT NULL, " +
            "content_type TEXT NOT NULL, modified_ms INTEGER NOT NULL, headers TEXT NOT NULL, tags TEXT NOT NULL, " +
            "object_type TEXT NOT NULL, storage_class TEXT NOT NULL, acl TEXT NOT NULL, sse TEXT, sse_key_id TEXT, " +
            "sse_data TEXT, segments TEXT NOT NULL, restore_ready_ms INTEGER, restore_expiry_ms INTEGER";
        Execute(
            "CREATE TABLE IF NOT EXISTS buckets(name TEXT PRIMARY KEY, region TEXT NOT NULL, created_ms INTEGER NOT NULL, " +
            "owner TEXT NOT NULL, acl TEXT NOT NULL, storage_class TEXT NOT NULL, redundancy TEXT NOT NULL, " +
            "versioning TEXT NOT NULL, worm_id TEXT, worm_state TEXT, worm_days INTEGER NOT NULL, worm_created_ms INTEGER) WITHOUT ROWID;" +
            // The current version of each key: what listings page through.
            $"CREATE TABLE IF NOT EXISTS objects({objectShape}, PRIMARY KEY(bucket, key)) WITHOUT ROWID;" +
            // Noncurrent versions, newest first per key by seq.
            $"CREATE TABLE IF NOT EXISTS versions({objectShape}, PRIMARY KEY(bucket, key, seq)) WITHOUT ROWID;" +
            "CREATE TABLE IF NOT EXISTS blobs(sha TEXT PRIMARY KEY, size INTEGER NOT NULL, refs INTEGER NOT NULL) WITHOUT ROWID;" +
            "CREATE TABLE IF NOT EXISTS uploads(upload_id TEXT PRIMARY KEY, bucket TEXT NOT NULL, key BLOB NOT NULL, " +
            "initiated_ms INTEGER NOT NULL, content_type TEXT NOT NULL, headers TEXT NOT NULL, tags TEXT NOT NULL, " +
            "storage_class TEXT NOT NULL, acl TEXT NOT NULL, sse TEXT, sse_key_id TEXT, sse_data TEXT, " +
            "forbid_overwrite INTEGER NOT NULL) WITHOUT ROWID;" +
            "CREATE INDEX IF NOT EXISTS uploads_by_key ON uploads(bucket, key, initiated_ms);" +
            "CREATE TABLE IF NOT EXISTS parts(upload_id TEXT NOT NULL, part_number INTEGER NOT NULL, etag TEXT NOT NULL, " +
            "size INTEGER NOT NULL, crc64 INTEGER NOT NULL, modified_ms INTEGER NOT NULL, segments TEXT NOT NULL, " +
            "PRIMARY KEY(upload_id, part_number)) WITHOUT ROWID;");

        // Stores written before archive restores existed lack the restore columns: add them (NULL = never restored).
        foreach (var table in new[] { "objects", "versions" })
        {
            using var info = _db.CreateCommand();
            info.CommandText = $"SELECT count(*) FROM pragma_table_info('{table}') WHERE name = 'restore_ready_ms'";
            if (info.ExecuteScalar() is 0L)
            {
                Execute($"ALTER TABLE {table} ADD COLUMN restore_ready_ms INTEGER; ALTER TABLE {table} ADD COLUMN restore_expiry_ms INTEGER;");
            }
        }
    }

    private void LoadState()
    {
        using (var cmd = _db.CreateCommand())
        {
            cmd.CommandText = "SELECT max(m) FROM (SELECT max(seq) AS m FROM objects UNION ALL SELECT max(seq) FROM versions)";
            var value = cmd.ExecuteScalar();
            _seq = value is long l ? l : 0;
        }

        using (var cmd = _db.CreateCommand())
        {
            cmd.CommandText = "SELECT name, region, created_ms, owner, acl, storage_class, redundancy, versioning, worm_id, " +
                              "worm_state, worm_days, worm_created_ms FROM buckets";
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                var bucket = new BucketRecord
                {
                    Name = reader.GetString(0),
                    Region = reader.GetString(1),
                    Created = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
                    Owner = reader.GetString(3),
                    Acl = reader.GetString(4),
                    StorageClass = reader.GetString(5),
                    Redundancy = reader.GetString(6),
                    Versioning = reader.GetString(7),
                    WormId = reader.IsDBNull(8) ? null : reader.GetString(8),
                    WormState = reader.IsDBNull(9) ? null : reader.GetString(9),
                    WormDays = reader.GetInt32(10),
                    WormCreated = reader.IsDBNull(11) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(11)),
                };
                _buckets[bucket.Name] = bucket;
            }
        }
    }

    /// <summary>A prepared command, created once per SQL text and reused (the hot path re-binds values only).</summary>
    private SqliteCommand Command(string sql)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = _db.CreateCommand();
            command.CommandText = sql;
            command.Prepare();
            _commands[sql] = command;
        }

        return command;
    }

    /// <summary>The operations available inside <see cref="ReadAsync{T}"/> / <see cref="WriteAsync{T}"/>.</summary>
    internal sealed class StoreSession(MetadataStore store)
    {
        private readonly List<string> _published = [];
        private readonly List<string> _released = [];
        private readonly List<(string Name, BucketRecord? Value)> _bucketChanges = [];
        private SqliteTransaction? _transaction;

        public BlobStore Blobs => store.Blobs;

        internal void Begin(SqliteTransaction? transaction)
        {
            _transaction = transaction;
            _published.Clear();
            _released.Clear();
            _bucketChanges.Clear();
        }

        internal void End() => _transaction = null;

        internal void AfterCommit()
        {
            _transaction = null;
            foreach (var (name, value) in _bucketChanges)
            {
                if (value is null)
                {
                    store._buckets.Remove(name);
                }
                else
                {
                    store._buckets[name] = value;
                }
            }

            foreach (var sha in _released)
            {
                var cmd = Prepare("SELECT refs FROM blobs WHERE sha = $a");
                Bind(cmd, sha);
                if (cmd.ExecuteScalar() is null)
                {
                    store.Blobs.Delete(sha);
                }
            }
        }

        internal void AfterRollback()
        {
            _transaction = null;
            foreach (var sha in _published)
            {
                var cmd = Prepare("SELECT refs FROM blobs WHERE sha = $a");
                Bind(cmd, sha);
                if (cmd.ExecuteScalar() is null)
                {
                    store.Blobs.Delete(sha);
                }
            }
        }

        // ---- buckets -------------------------------------------------------------------------------

        public BucketRecord? GetBucket(string name)
        {
            for (var i = _bucketChanges.Count - 1; i >= 0; i--)
            {
                if (_bucketChanges[i].Name == name)
                {
                    return _bucketChanges[i].Value;
                }
            }

            return store._buckets.GetValueOrDefault(name);
        }

        public IReadOnlyList<BucketRecord> ListBuckets() =>
            store._buckets.Values.OrderBy(b => b.Name, StringComparer.Ordinal).ToList();

        public void SaveBucket(BucketRecord bucket)
        {
            var cmd = Prepare(
                "INSERT OR REPLACE INTO buckets(name, region, created_ms, owner, acl, storage_class, redundancy, versioning, " +
                "worm_id, worm_state, worm_days, worm_created_ms) VALUES($a,$b,$c,$d,$e,$f,$g,$h,$i,$j,$k,$l)");
            Bind(cmd, bucket.Name, bucket.Region, bucket.Created.ToUnixTimeMilliseconds(), bucket.Owner, bucket.Acl,
                bucket.StorageClass, bucket.Redundancy, bucket.Versioning, bucket.WormId, bucket.WormState, bucket.WormDays,
                bucket.WormCreated?.ToUnixTimeMilliseconds());
            cmd.ExecuteNonQuery();
            _bucketChanges.Add((bucket.Name, bucket));
        }

        public void DeleteBucket(string name)
        {
            var cmd = Prepare("DELETE FROM buckets WHERE name = $a");
            Bind(cmd, name);
            cmd.ExecuteNonQuery();
            _bucketChanges.Add((name, null));
        }

        /// <summary>
        /// GetBucketStat's figures: per storage class, the objects (current versions that are not delete markers)
        /// and the bytes of every stored version; delete markers; multipart uploads in progress.
        /// </summary>
        public BucketStatistics Stat(string bucket)
        {
            var stats = new BucketStatistics();
            var current = Prepare("SELECT storage_class, count(*), coalesce(sum(size), 0), coalesce(max(modified_ms), 0) FROM objects " +
                                  "WHERE bucket = $a AND delete_marker = 0 GROUP BY storage_class");
            Bind(current, bucket);
            using (var reader = current.ExecuteReader())
            {
                while (reader.Read())
                {
                    stats.Add(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2));
                    stats.LastModifiedMs = Math.Max(stats.LastModifiedMs, reader.GetInt64(3));
                }
            }

            var noncurrent = Prepare("SELECT storage_class, coalesce(sum(size), 0) FROM versions WHERE bucket = $a AND delete_marker = 0 GROUP BY storage_class");
            Bind(noncurrent, bucket);
            using (var reader = noncurrent.ExecuteReader())
            {
                while (reader.Read())
                {
                    stats.Add(reader.GetString(0), 0, reader.GetInt64(1));
                }
            }

            foreach (var (sql, apply) in new (string, Action<long>)[]
                     {
                         ("SELECT (SELECT count(*) FROM objects WHERE bucket = $a AND delete_marker = 1) + " +
                          "(SELECT count(*) FROM versions WHERE bucket = $a AND delete_marker = 1)", n => stats.DeleteMarkers = n),
                         ("SELECT count(*) FROM uploads WHERE bucket = $a", n => stats.MultipartUploads = n),
                     })
            {
                var cmd = Prepare(sql);
                Bind(cmd, bucket);
                apply(cmd.ExecuteScalar() is long n ? n : 0);
            }

            return stats;
        }

        public bool BucketHasContent(string name)
        {
            foreach (var sql in new[]
                     {
                         "SELECT 1 FROM objects WHERE bucket = $a LIMIT 1",
                         "SELECT 1 FROM versions WHERE bucket = $a LIMIT 1",
                         "SELECT 1 FROM uploads WHERE bucket = $a LIMIT 1",
                     })
            {
                var cmd = Prepare(sql);
                Bind(cmd, name);
                if (cmd.ExecuteScalar() is not null)
                {
                    return true;
                }
            }

            return false;
        }

        // ---- objects -------------------------------------------------------------------------------

        public ObjectRecord? GetCurrent(string bucket, string key)
        {
            var cmd = Prepare($"SELECT {ObjectColumns} FROM objects WHERE bucket = $a AND key = $b");
            Bind(cmd, bucket, Utf8(key));
            return ReadOne(cmd);
        }

        public ObjectRecord? GetVersion(string bucket, string key, string versionId)
        {
            var current = GetCurrent(bucket, key);
            if (current is not null && current.VersionId == versionId)
            {
                return current;
            }

            var cmd = Prepare($"SELECT {ObjectColumns} FROM versions WHERE bucket = $a AND key = $b AND version_id = $c");
            Bind(cmd, bucket, Utf8(key), versionId);
            return ReadOne(cmd);
        }

        /// <summary>
        /// Stores <paramref name="record"/> as the new current version of its key, following the bucket's
        /// versioning: unversioned replaces; Enabled keeps the old one as noncurrent; Suspended replaces the
        /// "null" version and keeps the others. Adds references for the new data, releases replaced data.
        /// </summary>
        public ObjectRecord WriteObject(BucketRecord bucket, ObjectRecord record)
        {
            var versionId = bucket.Versioning == "Enabled" ? NewVersionId() : ObjectRecord.NullVersion;
            var stored = Clone(record, versionId, ++store._seq);
            // References first: the new data may be the very blob the replaced version releases.
            AddRefs(stored.Segments);
            var current = GetCurrent(record.Bucket, record.Key);
            if (current is not null)
            {
                if (!bucket.IsVersioned || current.VersionId == ObjectRecord.NullVersion)
                {
                    Release(current.Segments);
                }
                else
                {
                    InsertRow("versions", current);
                }
            }

            if (bucket.Versioning == "Suspended")
            {
                RemoveNoncurrentNullVersion(record.Bucket, record.Key);
            }

            InsertRow("objects", stored, replace: true);
            return stored;
        }

        /// <summary>DeleteObject semantics; returns the delete marker created, or the version removed.</summary>
        public (bool DeleteMarker, string? VersionId) DeleteObject(BucketRecord bucket, string key, string? versionId)
        {
            if (versionId is not null)
            {
                var current = GetCurrent(bucket.Name, key);
                if (current is not null && current.VersionId == versionId)
                {
                    DeleteRow("objects", current);
                    Release(current.Segments);
                    PromoteNewestNoncurrent(bucket.Name, key);
                    return (current.IsDeleteMarker, versionId);
                }

                var cmd = Prepare($"SELECT {ObjectColumns} FROM versions WHERE bucket = $a AND key = $b AND version_id = $c");
                Bind(cmd, bucket.Name, Utf8(key), versionId);
                var old = ReadOne(cmd);
                if (old is not null)
                {
                    DeleteRow("versions", old);
                    Release(old.Segments);
                    return (old.IsDeleteMarker, versionId);
                }

                return (false, versionId);
            }

            if (!bucket.IsVersioned)
            {
                var current = GetCurrent(bucket.Name, key);
                if (current is not null)
                {
                    DeleteRow("objects", current);
                    Release(current.Segments);
                }

                return (false, null);
            }

            var marker = WriteObject(bucket, new ObjectRecord
            {
                Bucket = bucket.Name,
                Key = key,
                IsDeleteMarker = true,
                LastModified = DateTimeOffset.UtcNow,
            });
            return (true, marker.VersionId);
        }

        /// <summary>Current objects (delete markers included) from a key position in byte order.</summary>
        /// <summary>
        /// Current objects in key order for a listing. Version id, content type, headers, tags, ACL, encryption and
        /// blob segments come back empty: a listing never shows them, and reading and decoding them for 1,000 rows a
        /// page would be most of the page's cost.
        /// </summary>
        public List<ObjectRecord> ListCurrent(string bucket, byte[] from, bool inclusive, byte[]? before, int limit)
        {
            var cmd = Prepare(ListCurrentSql(inclusive, before is not null));
            Bind(cmd, bucket, from, before, limit);
            return ReadMany(cmd);
        }

        /// <summary>All versions (current first per key, then newest noncurrent) after a (key, seq) position.</summary>
        public List<(ObjectRecord Record, bool IsLatest)> ListVersions(string bucket, byte[] fromKey, long? afterSeq, byte[]? before, int limit)
        {
            // seq grows with time, so "newer first" within a key is seq descending; the current row has the
            // highest seq of its key.
            var sql = $"SELECT {ObjectColumns}, latest FROM (SELECT *, 1 AS latest FROM objects WHERE bucket = $a AND key >= $b" +
                      (before is null ? "" : " AND key < $c") +
                      $" UNION ALL SELECT *, 0 FROM versions WHERE bucket = $a AND key >= $b" +
                      (before is null ? "" : " AND key < $c") +
                      ") WHERE key > $b OR seq < $e ORDER BY key, seq DESC LIMIT $d";
            var cmd = Prepare(sql);
            Bind(cmd, bucket, fromKey, before, limit, afterSeq ?? long.MaxValue);
            var list = new List<(ObjectRecord, bool)>();
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                list.Add((Map(reader), reader.GetInt64(ObjectColumnCount) == 1));
            }

            return list;
        }

        // ---- blobs ---------------------------------------------------------------------------------

        /// <summary>Makes staged data permanent; the caller then references it through segments.</summary>
        public IReadOnlyList<BlobSegment> Publish(StagedBlob blob)
        {
            if (blob.Length == 0)
            {
                store.Blobs.Discard(blob);
                return [];
            }

            store.Blobs.Publish(blob);
            _published.Add(blob.Sha256);
            var cmd = Prepare("INSERT INTO blobs(sha, size, refs) VALUES($a, $b, 0) ON CONFLICT(sha) DO NOTHING");
            Bind(cmd, blob.Sha256, blob.Length);
            cmd.ExecuteNonQuery();
            return [new BlobSegment(blob.Sha256, 0, blob.Length)];
        }

        public void AddRefs(IReadOnlyList<BlobSegment> segments)
        {
            foreach (var segment in segments)
            {
                var cmd = Prepare("UPDATE blobs SET refs = refs + 1 WHERE sha = $a");
                Bind(cmd, segment.Sha256);
                if (cmd.ExecuteNonQuery() != 1)
                {
                    throw new InvalidOperationException("A segment references a blob that is not stored: " + segment.Sha256);
                }
            }
        }

        public void Release(IReadOnlyList<BlobSegment> segments)
        {
            foreach (var segment in segments)
            {
                var cmd = Prepare("UPDATE blobs SET refs = refs - 1 WHERE sha = $a RETURNING refs");
                Bind(cmd, segment.Sha256);
                if (cmd.ExecuteScalar() is long refs && refs <= 0)
                {
                    var delete = Prepare("DELETE FROM blobs WHERE sha = $a");
                    Bind(delete, segment.Sha256);
                    delete.ExecuteNonQuery();
                    _released.Add(segment.Sha256);
                }
            }
        }

        // ---- multipart -----------------------------------------------------------------------------

        public void InsertUpload(UploadRecord upload)
        {
            var cmd = Prepare(
                "INSERT INTO uploads(upload_id, bucket, key, initiated_ms, content_type, headers, tags, storage_class, acl, " +
                "sse, sse_key_id, sse_data, forbid_overwrite) VALUES($a,$b,$c,$d,$e,$f,$g,$h,$i,$j,$k,$l,$m)");
            Bind(cmd, upload.UploadId, upload.Bucket, Utf8(upload.Key), upload.Initiated.ToUnixTimeMilliseconds(),
                upload.ContentType, PairList.Encode(upload.Headers), PairList.Encode(upload.Tags), upload.StorageClass,
                upload.Acl, upload.Sse, upload.SseKeyId, upload.SseDataEncryption, upload.ForbidOverwrite ? 1L : 0L);
            cmd.ExecuteNonQuery();
        }

        public UploadRecord? GetUpload(string uploadId)
        {
            var cmd = Prepare(
                "SELECT upload_id, bucket, key, initiated_ms, content_type, headers, tags, storage_class, acl, sse, " +
                "sse_key_id, sse_data, forbid_overwrite FROM uploads WHERE upload_id = $a");
            Bind(cmd, uploadId);
            using var reader = cmd.ExecuteReader();
            return reader.Read() ? MapUpload(reader) : null;
        }

        public List<UploadRecord> ListUploads(string bucket, byte[] fromKey, byte[]? before, int limit)
        {
            var cmd = Prepare(
                "SELECT upload_id, bucket, key, initiated_ms, content_type, headers, tags, storage_class, acl, sse, " +
                "sse_key_id, sse_data, forbid_overwrite FROM uploads WHERE bucket = $a AND key >= $b AND ($c IS NULL OR key < $c) " +
                "ORDER BY key, upload_id LIMIT $d");
            Bind(cmd, bucket, fromKey, before, limit);
            var list = new List<UploadRecord>();
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                list.Add(MapUpload(reader));
            }

            return list;
        }

        /// <summary>Removes an upload and releases its parts' data.</summary>
        public void DeleteUpload(string uploadId)
        {
            foreach (var part in GetParts(uploadId))
            {
                Release(part.Segments);
            }

            var parts = Prepare("DELETE FROM parts WHERE upload_id = $a");
            Bind(parts, uploadId);
            parts.ExecuteNonQuery();
            var upload = Prepare("DELETE FROM uploads WHERE upload_id = $a");
            Bind(upload, uploadId);
            upload.ExecuteNonQuery();
        }

        /// <summary>Stores a part (a re-upload of the same number replaces it), taking a reference on its data.</summary>
        public void SavePart(PartRecord part)
        {
            AddRefs(part.Segments);
            var old = Prepare("SELECT segments FROM parts WHERE upload_id = $a AND part_number = $b");
            Bind(old, part.UploadId, (long)part.PartNumber);
            if (old.ExecuteScalar() is string oldSegments)
            {
                Release(BlobSegment.Decode(oldSegments));
            }

            var cmd = Prepare(
                "INSERT OR REPLACE INTO parts(upload_id, part_number, etag, size, crc64, modified_ms, segments) " +
                "VALUES($a,$b,$c,$d,$e,$f,$g)");
            Bind(cmd, part.UploadId, (long)part.PartNumber, part.ETag, part.Size, unchecked((long)part.Crc64),
                part.LastModified.ToUnixTimeMilliseconds(), BlobSegment.Encode(part.Segments));
            cmd.ExecuteNonQuery();
        }

        public List<PartRecord> GetParts(string uploadId)
        {
            var cmd = Prepare(
                "SELECT upload_id, part_number, etag, size, crc64, modified_ms, segments FROM parts WHERE upload_id = $a " +
                "ORDER BY part_number");
            Bind(cmd, uploadId);
            var list = new List<PartRecord>();
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                list.Add(new PartRecord
                {
                    UploadId = reader.GetString(0),
                    PartNumber = reader.GetInt32(1),
                    ETag = reader.GetString(2),
                    Size = reader.GetInt64(3),
                    Crc64 = unchecked((ulong)reader.GetInt64(4)),
                    LastModified = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
                    Segments = BlobSegment.Decode(reader.GetString(6)),
                });
            }

            return list;
        }

        /// <summary>Replaces the tags of one stored version in place (tags do not change Last-Modified).</summary>
        public void UpdateTags(ObjectRecord record, IReadOnlyList<KeyValuePair<string, string>> tags)
        {
            foreach (var table in new[] { "objects", "versions" })
            {
                var cmd = Prepare($"UPDATE {table} SET tags = $a WHERE bucket = $b AND key = $c AND seq = $d");
                Bind(cmd, PairList.Encode(tags), record.Bucket, Utf8(record.Key), record.Seq);
                if (cmd.ExecuteNonQuery() > 0)
                {
                    return;
                }
            }
        }

        /// <summary>Rewrites the metadata of one stored version (same seq, same data, same references).</summary>
        public void ReplaceInPlace(ObjectRecord record)
        {
            foreach (var table in new[] { "objects", "versions" })
            {
                var cmd = Prepare($"SELECT 1 FROM {table} WHERE bucket = $a AND key = $b AND seq = $c");
                Bind(cmd, record.Bucket, Utf8(record.Key), record.Seq);
                if (cmd.ExecuteScalar() is not null)
                {
                    InsertRow(table, record, replace: true);
                    return;
                }
            }
        }

        // ---- helpers -------------------------------------------------------------------------------

        private void RemoveNoncurrentNullVersion(string bucket, string key)
        {
            var cmd = Prepare($"SELECT {ObjectColumns} FROM versions WHERE bucket = $a AND key = $b AND version_id = 'null'");
            Bind(cmd, bucket, Utf8(key));
            foreach (var old in ReadMany(cmd))
            {
                DeleteRow("versions", old);
                Release(old.Segments);
            }
        }

        private void PromoteNewestNoncurrent(string bucket, string key)
        {
            var cmd = Prepare($"SELECT {ObjectColumns} FROM versions WHERE bucket = $a AND key = $b ORDER BY seq DESC LIMIT 1");
            Bind(cmd, bucket, Utf8(key));
            var newest = ReadOne(cmd);
            if (newest is not null)
            {
                DeleteRow("versions", newest);
                InsertRow("objects", newest, replace: true);
            }
        }

        private void InsertRow(string table, ObjectRecord r, bool replace = false)
        {
            var cmd = Prepare(
                $"INSERT {(replace ? "OR REPLACE " : "")}INTO {table}({ObjectColumns}) " +
                "VALUES($a,$b,$c,$d,$e,$f,$g,$h,$i,$j,$k,$l,$m,$n,$o,$p,$q,$r,$s,$t,$u)");
            Bind(cmd, r.Bucket, Utf8(r.Key), r.VersionId, r.Seq, r.IsDeleteMarker ? 1L : 0L, r.Size, r.ETag,
                unchecked((long)r.Crc64), r.ContentType, r.LastModified.ToUnixTimeMilliseconds(), PairList.Encode(r.Headers),
                PairList.Encode(r.Tags), r.ObjectType, r.StorageClass, r.Acl, r.Sse, r.SseKeyId, r.SseDataEncryption,
                BlobSegment.Encode(r.Segments), r.RestoreReady?.ToUnixTimeMilliseconds(), r.RestoreExpiry?.ToUnixTimeMilliseconds());
            cmd.ExecuteNonQuery();
        }

        private void DeleteRow(string table, ObjectRecord r)
        {
            var cmd = Prepare($"DELETE FROM {table} WHERE bucket = $a AND key = $b AND seq = $c");
            Bind(cmd, r.Bucket, Utf8(r.Key), r.Seq);
            cmd.ExecuteNonQuery();
        }

        private SqliteCommand Prepare(string sql)
        {
            var cmd = store.Command(sql);
            cmd.Transaction = _transaction;
            return cmd;
        }

        private static void Bind(SqliteCommand cmd, params object?[] values)
        {
            if (cmd.Parameters.Count == 0)
            {
                // Parameters are named $a, $b, … in order of first appearance; created once per command.
                for (var i = 0; i < values.Length; i++)
                {
                    cmd.Parameters.Add(new SqliteParameter("$" + (char)('a' + i), null));
                }
            }

            for (var i = 0; i < values.Length; i++)
            {
                cmd.Parameters[i].Value = values[i] ?? DBNull.Value;
            }
        }

        private static ObjectRecord? ReadOne(SqliteCommand cmd)
        {
            using var reader = cmd.ExecuteReader();
            return reader.Read() ? Map(reader) : null;
        }

        private static List<ObjectRecord> ReadMany(SqliteCommand cmd)
        {
            var list = new List<ObjectRecord>();
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                list.Add(Map(reader));
            }

            return list;
        }

        private static ObjectRecord Map(SqliteDataReader r) => new()
        {
            Bucket = r.GetString(0),
            Key = Encoding.UTF8.GetString((byte[])r.GetValue(1)),
            VersionId = r.GetString(2),
            Seq = r.GetInt64(3),
            IsDeleteMarker = r.GetInt64(4) != 0,
            Size = r.GetInt64(5),
            ETag = r.GetString(6),
            Crc64 = unchecked((ulong)r.GetInt64(7)),
            ContentType = r.GetString(8),
            LastModified = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(9)),
            Headers = PairList.Decode(r.GetString(10)),
            Tags = PairList.Decode(r.GetString(11)),
            ObjectType = r.GetString(12),
            StorageClass = r.GetString(13),
            Acl = r.GetString(14),
            Sse = r.IsDBNull(15) ? null : r.GetString(15),
            SseKeyId = r.IsDBNull(16) ? null : r.GetString(16),
            SseDataEncryption = r.IsDBNull(17) ? null : r.GetString(17),
            Segments = BlobSegment.Decode(r.GetString(18)),
            RestoreReady = r.IsDBNull(19) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(19)),
            RestoreExpiry = r.IsDBNull(20) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(20)),
        };

        private static UploadRecord MapUpload(SqliteDataReader r) => new()
        {
            UploadId = r.GetString(0),
            Bucket = r.GetString(1),
            Key = Encoding.UTF8.GetString((byte[])r.GetValue(2)),
            Initiated = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(3)),
            ContentType = r.GetString(4),
            Headers = PairList.Decode(r.GetString(5)),
            Tags = PairList.Decode(r.GetString(6)),
            StorageClass = r.GetString(7),
            Acl = r.GetString(8),
            Sse = r.IsDBNull(9) ? null : r.GetString(9),
            SseKeyId = r.IsDBNull(10) ? null : r.GetString(10),
            SseDataEncryption = r.IsDBNull(11) ? null : r.GetString(11),
            ForbidOverwrite = r.GetInt64(12) != 0,
        };

        private static ObjectRecord Clone(ObjectRecord r, string versionId, long seq) => r with { VersionId = versionId, Seq = seq };

        private static string NewVersionId() =>
            "CAEQ" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(20)).ToLowerInvariant();

        internal static byte[] Utf8(string key) => Encoding.UTF8.GetBytes(key);
    }

    internal static string FormatSeq(long seq) => seq.ToString(CultureInfo.InvariantCulture);

    /// <summary>One listing batch: a range seek in the (bucket, key) primary key, never a scan.</summary>
    /// <summary><see cref="ObjectColumns"/> in the same order, with the columns a listing never shows left empty.</summary>
    private const string ListingColumns =
        "bucket, key, '' AS version_id, seq, delete_marker, size, etag, crc64, '' AS content_type, modified_ms, '' AS headers, '' AS tags, " +
        "object_type, storage_class, '' AS acl, NULL AS sse, NULL AS sse_key_id, NULL AS sse_data, '' AS segments, restore_ready_ms, restore_expiry_ms";

    internal static string ListCurrentSql(bool inclusive, bool bounded) =>
        $"SELECT {ListingColumns} FROM objects WHERE bucket = $a AND key {(inclusive ? ">=" : ">")} $b" +
        (bounded ? " AND key < $c" : "") + " ORDER BY key LIMIT $d";

    /// <summary>SQLite's query plan for <paramref name="sql"/> (tests assert listings seek the index).</summary>
    internal string ExplainQueryPlan(string sql)
    {
        _gate.Wait();
        try
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "EXPLAIN QUERY PLAN " + sql;
            foreach (var name in new[] { "$a", "$b", "$c", "$d" })
            {
                cmd.Parameters.AddWithValue(name, DBNull.Value);
            }

            using var reader = cmd.ExecuteReader();
            var plan = new System.Text.StringBuilder();
            while (reader.Read())
            {
                plan.AppendLine(reader.GetString(3));
            }

            return plan.ToString();
        }
        finally
        {
            _gate.Release();
        }
    }
}
