// Multipart through ali-oss: by hand (initMultipartUpload, uploadPart, listParts, listUploads,
// completeMultipartUpload, abortMultipartUpload), multipartUpload with progress, cancel and checkpoint resume,
// and multipartUploadCopy (UploadPartCopy with ranges, a sub-range of the source, a source version).
'use strict';
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const OSS = require('ali-oss');
const { startLocalOss } = require('./localoss');
const { variants, clientOptions, bucketName, rejectsWithOss } = require('./support');

const KiB = 1024;
let server;
let tmp;
let file;
let data;
before(async () => {
  server = await startLocalOss();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'localoss-multipart-'));
  data = crypto.randomBytes(550 * KiB);
  file = path.join(tmp, 'data.bin');
  fs.writeFileSync(file, data);
});
after(async () => {
  if (server) await server.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

for (const variant of variants) {
  describe(variant.name, () => {
    let client;
    let bucket;

    before(async () => {
      bucket = bucketName('multipart', variant);
      await new OSS(clientOptions(server, variant)).putBucket(bucket);
      client = new OSS(clientOptions(server, variant, { bucket }));
    });

    test('by hand: init with metadata, upload parts, list parts and uploads, complete', async () => {
      const name = 'hand/数据 1+1.bin';
      const init = await client.initMultipartUpload(name, { meta: { owner: 'hand' }, mime: 'application/x-hand', headers: { 'x-oss-tagging': 'k=v' } });
      assert.equal(init.bucket, bucket);
      assert.equal(init.name, name);
      assert.match(init.uploadId, /^[0-9A-F]{32}$/);
      const parts = [];
      for (let n = 1; n <= 3; n++) {
        const start = (n - 1) * 200 * KiB;
        const part = await client.uploadPart(name, init.uploadId, n, file, start, Math.min(start + 200 * KiB, data.length));
        assert.match(part.etag, /^"[0-9A-F]{32}"$/);
        parts.push({ number: n, etag: part.etag });
      }
      const listed = await client.listParts(name, init.uploadId, { 'max-parts': 2 });
      assert.equal(listed.parts.length, 2);
      assert.equal(listed.isTruncated, 'true');
      assert.equal(listed.nextPartNumberMarker, '2');
      const rest = await client.listParts(name, init.uploadId, { 'part-number-marker': listed.nextPartNumberMarker });
      // ali-oss hands a single <Part> over as an object, not an array (xml2js without explicitArray).
      assert.equal(rest.parts.PartNumber, '3');
      assert.equal(rest.parts.Size, String(data.length - 400 * KiB));
      const uploads = await client.listUploads({ prefix: 'hand/' });
      assert.deepEqual(uploads.uploads.map((u) => [u.name, u.uploadId]), [[name, init.uploadId]]);

      const done = await client.completeMultipartUpload(name, init.uploadId, [parts[2], parts[0], parts[1]]);
      assert.equal(done.res.status, 200);
      assert.match(done.etag, /^"[0-9A-F]{32}-3"$/);
      const head = await client.head(name);
      assert.equal(head.res.headers['x-oss-object-type'], 'Multipart');
      assert.equal(head.res.headers['content-type'], 'application/x-hand');
      assert.equal(head.res.headers['x-oss-tagging-count'], '1');
      assert.deepEqual(head.meta, { owner: 'hand' });
      assert.deepEqual((await client.get(name)).content, data);
      assert.deepEqual((await client.listUploads({ prefix: 'hand/' })).uploads, []);
    });

    test('listUploads pages with key and upload id markers; abort makes the upload unknown', async () => {
      const a1 = await client.initMultipartUpload('up/a');
      const a2 = await client.initMultipartUpload('up/a');
      const b = await client.initMultipartUpload('up/b');
      const first = await client.listUploads({ prefix: 'up/', 'max-uploads': 2 });
      assert.equal(first.uploads.length, 2);
      assert.equal(first.isTruncated, true);
      const second = await client.listUploads({ prefix: 'up/', 'max-uploads': 2, 'key-marker': first.nextKeyMarker, 'upload-id-marker': first.nextUploadIdMarker });
      assert.deepEqual([...first.uploads, ...second.uploads].map((u) => u.name), ['up/a', 'up/a', 'up/b']);
      for (const [name, upload] of [['up/a', a1], ['up/a', a2], ['up/b', b]]) {
        assert.equal((await client.abortMultipartUpload(name, upload.uploadId)).res.status, 204);
      }
      await rejectsWithOss(client.listParts('up/a', a1.uploadId), { status: 404, code: 'NoSuchUpload' });
      await rejectsWithOss(client.abortMultipartUpload('up/a', a1.uploadId), { status: 404, code: 'NoSuchUpload' });
    });

    test('complete refuses unknown parts, wrong ETags and parts under 100 KiB but the last', async () => {
      const name = 'bad/complete';
      const init = await client.initMultipartUpload(name);
      const small = await client.uploadPart(name, init.uploadId, 1, file, 0, 10 * KiB);
      const big = await client.uploadPart(name, init.uploadId, 2, file, 0, 100 * KiB);
      await rejectsWithOss(client.completeMultipartUpload(name, init.uploadId, [{ number: 1, etag: small.etag }, { number: 3, etag: big.etag }]), { status: 400, code: 'InvalidPart' });
      await rejectsWithOss(client.completeMultipartUpload(name, init.uploadId, [{ number: 1, etag: '"00000000000000000000000000000000"' }]), { status: 400, code: 'InvalidPart' });
      await rejectsWithOss(client.completeMultipartUpload(name, init.uploadId, [{ number: 1, etag: small.etag }, { number: 2, etag: big.etag }]), { status: 400, code: 'EntityTooSmall' });
      const done = await client.completeMultipartUpload(name, init.uploadId, [{ number: 2, etag: big.etag }, { number: 1, etag: small.etag }].slice(0, 1));
      assert.equal(done.res.status, 200);
      assert.equal((await client.head(name)).res.headers['content-length'], String(100 * KiB));
    });

    test('multipartUpload reports progress, can be cancelled and resumes from its checkpoint', async () => {
      const progress = [];
      let checkpoint;
      const resumable = new OSS(clientOptions(server, variant, { bucket }));
      try {
        await resumable.multipartUpload('resume/data.bin', file, {
          partSize: 100 * KiB,
          parallel: 1,
          meta: { resumed: 'yes' },
          progress: async (p, cpt) => {
            progress.push(p);
            checkpoint = cpt;
            if (cpt && cpt.doneParts.length === 2) resumable.cancel();
          },
        });
        assert.fail('the upload was cancelled');
      } catch (error) {
        assert.equal(error.name, 'cancel');
      }
      assert.equal(checkpoint.doneParts.length, 2);
      const listed = await client.listParts('resume/data.bin', checkpoint.uploadId);
      assert.equal(listed.parts.length, 2);

      const done = await resumable.multipartUpload('resume/data.bin', file, { checkpoint, partSize: 100 * KiB, progress: async (p) => { progress.push(p); } });
      assert.equal(done.res.status, 200);
      assert.equal(progress.at(-1), 1);
      const head = await client.head('resume/data.bin');
      assert.equal(head.res.headers['content-length'], String(data.length));
      assert.equal(head.res.headers.etag, done.etag);
      assert.deepEqual((await client.get('resume/data.bin')).content, data);
      // A Buffer below 100 KiB is a single PutObject.
      const small = await client.multipartUpload('resume/small', Buffer.from('tiny'));
      assert.equal((await client.head('resume/small')).res.headers['x-oss-object-type'], 'Normal');
      assert.equal(small.res.status, 200);
    });

    test('multipartUploadCopy: whole source, a byte range of it, and a source version', async () => {
      await client.put('copy/source.bin', data);
      const whole = await client.multipartUploadCopy('copy/whole.bin', { sourceKey: 'copy/source.bin', sourceBucketName: bucket }, { partSize: 100 * KiB, parallel: 2 });
      assert.equal(whole.res.status, 200);
      assert.deepEqual((await client.get('copy/whole.bin')).content, data);
      assert.equal((await client.head('copy/whole.bin')).res.headers['x-oss-hash-crc64ecma'], (await client.head('copy/source.bin')).res.headers['x-oss-hash-crc64ecma']);

      const ranged = await client.multipartUploadCopy('copy/range.bin', { sourceKey: 'copy/source.bin', sourceBucketName: bucket, startOffset: 1000, endOffset: 1000 + 250 * KiB }, { partSize: 100 * KiB });
      assert.equal(ranged.res.status, 200);
      assert.deepEqual((await client.get('copy/range.bin')).content, data.subarray(1000, 1000 + 250 * KiB));

      // By hand, as ali-oss's own test does: uploadPartCopy with explicit ranges.
      const init = await client.initMultipartUpload('copy/by-hand.bin');
      const p1 = await client.uploadPartCopy('copy/by-hand.bin', init.uploadId, 1, `0-${100 * KiB - 1}`, { sourceKey: 'copy/source.bin', sourceBucketName: bucket });
      const p2 = await client.uploadPartCopy('copy/by-hand.bin', init.uploadId, 2, `${100 * KiB}-${data.length - 1}`, { sourceKey: 'copy/source.bin', sourceBucketName: bucket });
      await client.completeMultipartUpload('copy/by-hand.bin', init.uploadId, [{ number: 1, etag: p1.etag }, { number: 2, etag: p2.etag }]);
      assert.deepEqual((await client.get('copy/by-hand.bin')).content, data);
      await rejectsWithOss(client.uploadPartCopy('copy/by-hand.bin', init.uploadId, 3, '0-1', { sourceKey: 'copy/source.bin', sourceBucketName: bucket }), { status: 404, code: 'NoSuchUpload' });
    });

    test('multipartUploadCopy of a source version on a versioned bucket', async () => {
      const versioned = `${bucket}-v`;
      await new OSS(clientOptions(server, variant)).putBucket(versioned);
      await new OSS(clientOptions(server, variant)).putBucketVersioning(versioned, 'Enabled');
      const v = new OSS(clientOptions(server, variant, { bucket: versioned }));
      const uploaded = await v.multipartUpload('src', file, { partSize: 200 * KiB });
      const versionId = uploaded.res.headers['x-oss-version-id'];
      assert.ok(versionId);
      await v.delete('src');
      const copied = await v.multipartUploadCopy('dst', { sourceKey: 'src', sourceBucketName: versioned }, { versionId, partSize: 200 * KiB });
      assert.equal(copied.res.status, 200);
      assert.deepEqual((await v.get('dst')).content, data);
    });
  });
}
