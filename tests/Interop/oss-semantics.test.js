// Where LocalOss must answer as OSS does for a copy engine (issue 9): what a REPLACE copy keeps, client-side-encryption
// metadata through a copy, the object ACL and headers of a multipart upload, the bucket resolved before authentication,
// RestoreObject's JobParameters and priority, and archived objects refused until restored.
'use strict';
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const OSS = require('ali-oss');
const { startLocalOss } = require('./localoss');
const { variants, clientOptions, bucketName, rejectsWithOss } = require('./support');

// Names without an extension: ali-oss would otherwise send a Content-Type guessed from the name.
const cseMeta = {
  'client-side-encryption-key': 'd3JhcHBlZC1rZXk=',
  'client-side-encryption-start': 'aXY=',
  'client-side-encryption-cek-alg': 'AES/CTR/NoPadding',
  'client-side-encryption-wrap-alg': 'RSA/NONE/PKCS1Padding',
  'client-side-encryption-matdesc': '{"k":"v"}',
  'client-side-encryption-unencrypted-content-length': '6',
  'client-side-encryption-unencrypted-content-md5': 'XUFAKrxLKna5cZ2REBfFkg==',
  'client-side-encryption-data-size': '6',
  'client-side-encryption-part-size': '102400',
};

let server;
before(async () => { server = await startLocalOss(['--restore-delay', '1']); });
after(async () => { if (server) await server.stop(); });

/** Waits (polling HEAD) until a restore has finished: the restore window is LocalOss's, not the test's guess. */
async function untilRestored(client, name) {
  for (let i = 0; i < 100; i++) {
    const restore = (await client.head(name)).res.headers['x-oss-restore'];
    if (restore && restore.startsWith('ongoing-request="false"')) return restore;
    await new Promise((resolve) => { setTimeout(resolve, 100); });
  }
  throw new Error(`${name} was not restored in time`);
}

for (const variant of variants) {
  describe(variant.name, () => {
    let client;
    let bucket;

    before(async () => {
      bucket = bucketName('sem', variant);
      await new OSS(clientOptions(server, variant)).putBucket(bucket);
      client = new OSS(clientOptions(server, variant, { bucket }));
    });

    test('a REPLACE copy without Content-Type keeps the source type; the other headers come from the request alone', async () => {
      await client.put('src/typed', Buffer.from('typed'), {
        mime: 'text/x-source',
        meta: { a: '1' },
        headers: { 'Content-Disposition': 'inline', 'Cache-Control': 'no-cache', 'Content-Language': 'en' },
      });
      await client.copy('dst/replaced', 'src/typed', { meta: { b: '2' } });
      const head = await client.head('dst/replaced');
      assert.equal(head.res.headers['content-type'], 'text/x-source');
      assert.deepEqual(head.meta, { b: '2' });
      assert.equal(head.res.headers['content-disposition'], undefined);
      assert.equal(head.res.headers['cache-control'], undefined);
      assert.equal(head.res.headers['content-language'], undefined);

      await client.copy('dst/retyped', 'src/typed', { headers: { 'Content-Type': 'text/x-given', 'Content-Language': 'fr' } });
      const retyped = await client.head('dst/retyped');
      assert.equal(retyped.res.headers['content-type'], 'text/x-given');
      assert.equal(retyped.res.headers['content-language'], 'fr');
      assert.equal(retyped.meta, null); // ali-oss: no x-oss-meta-* at all
    });

    test('client-side-encryption metadata survives a REPLACE copy that does not send it', async () => {
      await client.put('src/sealed', Buffer.from('cipher'), { meta: { ...cseMeta, owner: 'alice' } });
      await client.copy('dst/sealed', 'src/sealed', { meta: { owner: 'bob' } });
      const head = await client.head('dst/sealed');
      assert.deepEqual(head.meta, { ...cseMeta, owner: 'bob' });
      assert.equal((await client.get('dst/sealed')).content.toString(), 'cipher');
    });

    test('a multipart upload gets the ACL, storage class, tags and metadata of Initiate, and the ACL of Complete wins', async () => {
      const data = Buffer.alloc(1000, 7);
      const init = await client.initMultipartUpload('mp/headers', {
        meta: { origin: 'initiate' },
        headers: { 'x-oss-object-acl': 'public-read', 'x-oss-storage-class': 'IA', 'x-oss-tagging': 'team=copy', 'Content-Type': 'text/x-mp' },
      });
      const part = await client.uploadPart('mp/headers', init.uploadId, 1, data, 0, data.length);
      await client.completeMultipartUpload('mp/headers', init.uploadId, [{ number: 1, etag: part.etag }]);
      assert.equal((await client.getACL('mp/headers')).acl, 'public-read');
      const head = await client.head('mp/headers');
      assert.equal(head.res.headers['x-oss-storage-class'], 'IA');
      assert.equal(head.res.headers['x-oss-tagging-count'], '1');
      assert.equal(head.res.headers['content-type'], 'text/x-mp');
      assert.deepEqual(head.meta, { origin: 'initiate' });

      const second = await client.initMultipartUpload('mp/acl-on-complete');
      const secondPart = await client.uploadPart('mp/acl-on-complete', second.uploadId, 1, data, 0, data.length);
      await client.completeMultipartUpload('mp/acl-on-complete', second.uploadId, [{ number: 1, etag: secondPart.etag }],
        { headers: { 'x-oss-object-acl': 'public-read-write' } });
      assert.equal((await client.getACL('mp/acl-on-complete')).acl, 'public-read-write');
    });

    test('a missing bucket is NoSuchBucket whatever the credentials; an existing one with an unknown key is InvalidAccessKeyId', async () => {
      const missing = `${bucket}-gone`;
      for (const credentials of [
        { accessKeyId: 'LTAINoSuchKey', accessKeySecret: 'whatever' },
        { accessKeySecret: 'not-the-secret' },
      ]) {
        const stranger = new OSS({ ...clientOptions(server, variant, { bucket: missing }), ...credentials });
        await rejectsWithOss(stranger.get('k'), { status: 404, code: 'NoSuchBucket', ec: '0015-00000101' });
        await rejectsWithOss(stranger.put('k', Buffer.from('x')), { status: 404, code: 'NoSuchBucket', ec: '0015-00000101' });
      }

      const unknown = new OSS({ ...clientOptions(server, variant, { bucket }), accessKeyId: 'LTAINoSuchKey', accessKeySecret: 'whatever' });
      await rejectsWithOss(unknown.get('k'), { status: 403, code: 'InvalidAccessKeyId' });
      const wrongSecret = new OSS({ ...clientOptions(server, variant, { bucket }), accessKeySecret: 'not-the-secret' });
      await rejectsWithOss(wrongSecret.get('k'), { status: 403, code: 'SignatureDoesNotMatch' });
    });

    test('RestoreObject: JobParameters for Cold and Deep Cold Archive only, answered with x-oss-object-restore-priority', async () => {
      await client.put('cold/archive', Buffer.from('a'), { headers: { 'x-oss-storage-class': 'Archive' } });
      // ali-oss sends JobParameters only for the cold types; sending them for an Archive object is what OSS refuses.
      await rejectsWithOss(client.restore('cold/archive', { type: 'ColdArchive' }), { status: 400, code: 'MalformedXML', ec: '0016-00000714' });
      const archive = await client.restore('cold/archive', { type: 'Archive', Days: 1 });
      assert.equal(archive.res.status, 202);
      assert.equal(archive.res.headers['x-oss-object-restore-priority'], undefined);

      for (const [type, tier, priority] of [
        ['ColdArchive', undefined, 'Standard'],
        ['ColdArchive', 'Bulk', 'Bulk'],
        ['DeepColdArchive', 'Expedited', 'Expedited'],
      ]) {
        const name = `cold/${type}-${tier}`;
        await client.put(name, Buffer.from('c'), { headers: { 'x-oss-storage-class': type } });
        const restored = await client.restore(name, { type, Days: 5, JobParameters: tier });
        assert.equal(restored.res.status, 202);
        assert.equal(restored.res.headers['x-oss-object-restore-priority'], priority);
      }

      await client.put('cold/bad-tier', Buffer.from('c'), { headers: { 'x-oss-storage-class': 'ColdArchive' } });
      await rejectsWithOss(client.restore('cold/bad-tier', { type: 'ColdArchive', JobParameters: 'Test' }), { status: 400, code: 'InvalidArgument', ec: '0016-00000703' });
    });

    test('an archived object is InvalidObjectState to GET, copy and UploadPartCopy until its restore finishes', async () => {
      const name = 'frozen/object';
      await client.put(name, Buffer.from('frozen bytes'), { headers: { 'x-oss-storage-class': 'ColdArchive' } });
      const init = await client.initMultipartUpload('frozen/parts');
      const refusedAll = async () => {
        for (const call of [
          () => client.get(name),
          () => client.copy('frozen/copy', name),
          () => client.uploadPartCopy('frozen/parts', init.uploadId, 1, '0-3', { sourceKey: name, sourceBucketName: bucket }),
        ]) {
          await rejectsWithOss(call(), { status: 403, code: 'InvalidObjectState', ec: '0016-00000404', message: "The operation is not valid for the object's state" });
        }
      };

      assert.equal((await client.head(name)).res.headers['x-oss-restore'], undefined);
      await refusedAll();
      await client.restore(name, { type: 'ColdArchive', Days: 2 });
      assert.equal((await client.head(name)).res.headers['x-oss-restore'], 'ongoing-request="true"');
      await refusedAll();

      const restore = await untilRestored(client, name);
      assert.match(restore, /^ongoing-request="false", expiry-date="[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT"$/);
      assert.equal((await client.get(name)).content.toString(), 'frozen bytes');
      assert.equal((await client.copy('frozen/copy', name)).res.status, 200);
      const part = await client.uploadPartCopy('frozen/parts', init.uploadId, 1, '0-5', { sourceKey: name, sourceBucketName: bucket });
      await client.completeMultipartUpload('frozen/parts', init.uploadId, [{ number: 1, etag: part.etag }]);
      assert.equal((await client.get('frozen/parts')).content.toString(), 'frozen');
    });
  });
}
