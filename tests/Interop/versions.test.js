// Versioning through ali-oss: versionId on get/head/getObjectMeta/delete/ACL/tagging/copy, delete markers,
// getBucketVersions (listObjectVersions) paging and delimiters, deleteMulti with version ids, suspended buckets.
'use strict';
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const OSS = require('ali-oss');
const { startLocalOss } = require('./localoss');
const { variants, clientOptions, bucketName, rejectsWithOss } = require('./support');

let server;
before(async () => { server = await startLocalOss(); });
after(async () => { if (server) await server.stop(); });

for (const variant of variants) {
  describe(variant.name, () => {
    let admin;
    let client;
    let bucket;

    before(async () => {
      bucket = bucketName('versions', variant);
      admin = new OSS(clientOptions(server, variant));
      await admin.putBucket(bucket);
      client = new OSS(clientOptions(server, variant, { bucket }));
      // A version written before versioning: its id is "null".
      await client.put('test-version-null', Buffer.from('test-version-null'));
      assert.equal((await admin.getBucketVersioning(bucket)).versionStatus, undefined);
      await admin.putBucketVersioning(bucket, 'Enabled');
      assert.equal((await admin.getBucketVersioning(bucket)).versionStatus, 'Enabled');
      assert.equal((await admin.getBucketInfo(bucket)).bucket.Versioning, 'Enabled');
    });

    test('every version is readable by id; a delete marker hides the key (404) and is itself 405', async () => {
      const v1 = (await client.put('doc', Buffer.from('one'))).res.headers['x-oss-version-id'];
      const v2 = (await client.put('doc', Buffer.from('two'))).res.headers['x-oss-version-id'];
      assert.notEqual(v1, v2);
      assert.equal((await client.get('doc', { versionId: v1 })).content.toString(), 'one');
      assert.equal((await client.head('doc', { versionId: v1 })).res.headers['x-oss-version-id'], v1);
      assert.equal((await client.getObjectMeta('doc', { versionId: v1 })).res.headers['content-length'], '3');
      await client.putACL('doc', 'public-read', { versionId: v1 });
      assert.equal((await client.getACL('doc', { versionId: v1 })).acl, 'public-read');
      assert.equal((await client.getACL('doc')).acl, 'default');
      await client.putObjectTagging('doc', { a: '1' }, { versionId: v1 });
      assert.deepEqual((await client.getObjectTagging('doc', { versionId: v1 })).tag, { a: '1' });
      assert.deepEqual((await client.getObjectTagging('doc')).tag, {});

      const deleted = await client.delete('doc');
      assert.equal(deleted.res.headers['x-oss-delete-marker'], 'true');
      const marker = deleted.res.headers['x-oss-version-id'];
      assert.ok(marker);
      await rejectsWithOss(client.get('doc'), { status: 404, code: 'NoSuchKey' });
      await rejectsWithOss(client.head('doc'), { status: 404, code: 'NoSuchKey', body: false });
      await rejectsWithOss(client.get('doc', { versionId: marker }), { status: 405, code: 'MethodNotAllowed' });
      assert.equal((await client.get('doc', { versionId: v2 })).content.toString(), 'two');

      // Deleting the marker by id brings the newest version back.
      const unmarked = await client.delete('doc', { versionId: marker });
      assert.equal(unmarked.res.headers['x-oss-delete-marker'], 'true');
      assert.equal(unmarked.res.headers['x-oss-version-id'], marker);
      assert.equal((await client.head('doc')).res.headers['x-oss-version-id'], v2);
      // Deleting a version by id removes it for good.
      assert.equal((await client.delete('doc', { versionId: v1 })).res.headers['x-oss-version-id'], v1);
      await rejectsWithOss(client.get('doc', { versionId: v1 }), { status: 404, code: 'NoSuchVersion' });
    });

    test('getBucketVersions / listObjectVersions: versions, delete markers, paging and common prefixes', async () => {
      await client.put('list/a', Buffer.from('1'));
      await client.put('list/a', Buffer.from('2'));
      await client.delete('list/a');
      await client.put('list/b', Buffer.from('3'));
      await client.put('list/dir/c', Buffer.from('4'));
      const all = await client.getBucketVersions({ prefix: 'list/' });
      assert.deepEqual(all.objects.map((o) => [o.name, o.isLatest]), [['list/a', false], ['list/a', false], ['list/b', true], ['list/dir/c', true]]);
      assert.deepEqual(all.deleteMarker.map((m) => m.name), ['list/a']);
      assert.equal(all.objects[0].size, 1);
      assert.equal(all.objects[0].storageClass, 'Standard');
      assert.match(all.objects[0].owner.id, /^\d+$/);

      const seen = [];
      let page = await client.listObjectVersions({ prefix: 'list/', maxKeys: 2 });
      for (;;) {
        seen.push(...page.objects.map((o) => o.versionId), ...page.deleteMarker.map((m) => m.versionId));
        if (!page.isTruncated) break;
        page = await client.listObjectVersions({ prefix: 'list/', maxKeys: 2, keyMarker: page.nextKeyMarker, versionIdMarker: page.nextVersionIdMarker });
      }
      assert.equal(seen.length, 5);
      assert.equal(new Set(seen).size, 5);

      const grouped = await client.getBucketVersions({ prefix: 'list/', delimiter: '/' });
      assert.deepEqual(grouped.prefixes, ['list/dir/']);
      assert.deepEqual([...new Set(grouped.objects.map((o) => o.name))], ['list/a', 'list/b']);
    });

    test('deleteMulti: keys get delete markers, version ids delete versions and markers', async () => {
      const names = ['multi/0', 'multi/1', 'multi/2'];
      const versions = [];
      for (const name of names) versions.push((await client.put(name, Buffer.from(name))).res.headers['x-oss-version-id']);
      const markers = await client.deleteMulti(names);
      assert.deepEqual(markers.deleted.map((d) => d.Key), names);
      assert.ok(markers.deleted.every((d) => d.DeleteMarker === 'true' && d.DeleteMarkerVersionId));

      const byVersion = await client.deleteMulti(names.map((key, i) => ({ key, versionId: versions[i] })));
      assert.deepEqual(byVersion.deleted.map((d) => [d.Key, d.VersionId]), names.map((key, i) => [key, versions[i]]));
      const byMarker = await client.deleteMulti(markers.deleted.map((d) => ({ key: d.Key, versionId: d.DeleteMarkerVersionId })));
      assert.ok(byMarker.deleted.every((d) => d.DeleteMarker === 'true'));
      assert.deepEqual((await client.getBucketVersions({ prefix: 'multi/' })).objects, []);
      const quiet = await client.deleteMulti([{ key: 'multi/none', versionId: versions[0] }], { quiet: true });
      assert.deepEqual(quiet.deleted, []);
    });

    test('copy of a version, and a suspended bucket writes the "null" version', async () => {
      const v1 = (await client.put('cv', Buffer.from('first'))).res.headers['x-oss-version-id'];
      await client.delete('cv');
      const copy = await client.copy('cv-restored', 'cv', { versionId: v1 });
      assert.equal(copy.res.headers['x-oss-copy-source-version-id'], v1);
      assert.equal((await client.get('cv-restored')).content.toString(), 'first');
      assert.equal((await client.get('test-version-null', { versionId: 'null' })).content.toString(), 'test-version-null');

      const suspended = `${bucket}-s`;
      await admin.putBucket(suspended);
      await admin.putBucketVersioning(suspended, 'Enabled');
      const s = new OSS(clientOptions(server, variant, { bucket: suspended }));
      const kept = (await s.put('k', Buffer.from('kept'))).res.headers['x-oss-version-id'];
      await admin.putBucketVersioning(suspended, 'Suspended');
      assert.equal((await admin.getBucketVersioning(suspended)).versionStatus, 'Suspended');
      assert.equal((await s.put('k', Buffer.from('null one'))).res.headers['x-oss-version-id'], 'null');
      assert.equal((await s.copy('k2', 'k', { versionId: kept })).res.headers['x-oss-version-id'], 'null');
      const deleted = await s.delete('k');
      assert.equal(deleted.res.status, 204);
      const listed = await s.getBucketVersions();
      assert.ok(listed.deleteMarker.some((m) => m.name === 'k' && m.versionId === 'null'));
      assert.ok(listed.objects.some((o) => o.name === 'k' && o.versionId === kept));
      assert.ok(!listed.objects.some((o) => o.name === 'k' && o.versionId === 'null'));
    });
  });
}
