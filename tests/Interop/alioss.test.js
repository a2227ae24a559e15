// ali-oss, unchanged, against LocalOss: the operations a copy tool uses, with V1 and V4 signatures, with an IP
// endpoint (ali-oss then sends Host: {bucket}.oss-cn-hangzhou.aliyuncs.com) and path style (sldEnable).
'use strict';
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const OSS = require('ali-oss');
const { startLocalOss } = require('./localoss');

const credentials = { accessKeyId: 'LTAI5tLocalOssDevKey', accessKeySecret: 'LocalOssDevSecret-NotForProduction' };
let server;

before(async () => { server = await startLocalOss(); });
after(async () => { if (server) await server.stop(); });

const variants = [
  { name: 'V1, IP endpoint (virtual-hosted Host)', ip: true, v4: false },
  { name: 'V4, IP endpoint (virtual-hosted Host)', ip: true, v4: true },
  { name: 'V1, path style (sldEnable)', ip: false, v4: false },
  { name: 'V4, path style (sldEnable)', ip: false, v4: true },
];

for (const variant of variants) {
  describe(variant.name, () => {
    const bucket = `interop-${variant.ip ? 'ip' : 'sld'}-${variant.v4 ? 'v4' : 'v1'}-${Date.now()}`;
    const key = 'dir/a b+c 数据.txt';
    let client;
    let admin;
    let options;

    before(async () => {
      options = {
        ...credentials,
        region: 'oss-cn-hangzhou',
        authorizationV4: variant.v4,
        endpoint: variant.ip ? `http://127.0.0.1:${server.port}` : `http://localhost:${server.port}`,
        sldEnable: !variant.ip,
        retryMax: 0,
      };
      admin = new OSS(options);
      await admin.putBucket(bucket);
      client = new OSS({ ...options, bucket });
    });

    test('put and head (metadata, tagging, CRC-64)', async () => {
      const put = await client.put(key, Buffer.from('hello world'), { meta: { owner: 'alice' }, headers: { 'x-oss-tagging': 'k1=v1' } });
      assert.equal(put.res.status, 200);
      assert.equal(put.res.headers['x-oss-hash-crc64ecma'], '5981764153023615706');
      const head = await client.head(key);
      assert.equal(head.meta.owner, 'alice');
      assert.equal(head.res.headers['x-oss-tagging-count'], '1');
    });

    test('get, whole and a range', async () => {
      assert.equal((await client.get(key)).content.toString(), 'hello world');
      const range = await client.get(key, { headers: { Range: 'bytes=6-10' } });
      assert.equal(range.res.status, 206);
      assert.equal(range.content.toString(), 'world');
    });

    test('copy with the tagging directive Copy and Replace', async () => {
      await client.copy('copy-tags', key);
      assert.deepEqual((await client.getObjectTagging('copy-tags')).tag, { k1: 'v1' });
      await client.copy('copy-replace', key, { headers: { 'x-oss-tagging-directive': 'Replace', 'x-oss-tagging': 'k2=v2' } });
      assert.deepEqual((await client.getObjectTagging('copy-replace')).tag, { k2: 'v2' });
    });

    test('copy with forbid-overwrite is refused with FileAlreadyExists', async () => {
      await assert.rejects(
        client.copy('copy-tags', key, { headers: { 'x-oss-forbid-overwrite': 'true' } }),
        (error) => error.code === 'FileAlreadyExists' && error.status === 409);
    });

    test('copy with the metadata directive REPLACE', async () => {
      await client.copy('copy-meta', key, { meta: { x: '1' } });
      const head = await client.head('copy-meta');
      assert.equal(head.meta.x, '1');
      assert.equal(head.meta.owner, undefined);
    });

    test('copy of a version id on a versioned bucket', async () => {
      const versioned = `${bucket}-ver`;
      await admin.putBucket(versioned);
      await admin.putBucketVersioning(versioned, 'Enabled');
      const v = new OSS({ ...options, bucket: versioned });
      const first = await v.put('doc', Buffer.from('first'));
      await v.put('doc', Buffer.from('second'));
      const versionId = first.res.headers['x-oss-version-id'];
      assert.ok(versionId);
      const copy = await v.copy('restored', 'doc', { versionId });
      assert.equal(copy.res.headers['x-oss-copy-source-version-id'], versionId);
      assert.equal((await v.get('restored')).content.toString(), 'first');
    });

    test('list and listV2 with paging', async () => {
      const list = await client.list({ prefix: 'dir/', 'max-keys': 10 });
      assert.deepEqual(list.objects.map((o) => o.name), [key]);
      const page = await client.listV2({ 'max-keys': 2 });
      assert.equal(page.objects.length, 2);
      assert.equal(page.isTruncated, true);
      const rest = await client.listV2({ 'max-keys': 10, 'continuation-token': page.nextContinuationToken });
      assert.deepEqual([...page.objects, ...rest.objects].map((o) => o.name), ['copy-meta', 'copy-replace', 'copy-tags', key]);
    });

    test('object tagging put, get and delete', async () => {
      await client.putObjectTagging('copy-meta', { a: 'b' });
      assert.deepEqual((await client.getObjectTagging('copy-meta')).tag, { a: 'b' });
      await client.deleteObjectTagging('copy-meta');
      assert.deepEqual((await client.getObjectTagging('copy-meta')).tag, {});
    });

    test('multipart upload', async () => {
      const data = Buffer.alloc(250 * 1024, 7);
      const result = await client.multipartUpload('multipart', data, { partSize: 100 * 1024 });
      assert.equal(result.res.status, 200);
      const head = await client.head('multipart');
      assert.equal(head.res.headers['x-oss-object-type'], 'Multipart');
      assert.equal((await client.get('multipart')).content.length, data.length);
    });

    test('presigned URL', { skip: variant.ip ? 'ali-oss builds no object URL for an IP endpoint' : false }, async () => {
      const url = variant.v4 ? await client.signatureUrlV4('GET', 60, {}, key) : client.signatureUrl(key, { expires: 60 });
      const response = await fetch(url);
      assert.equal(response.status, 200);
      assert.equal(await response.text(), 'hello world');
    });

    test('delete and deleteMulti', async () => {
      const multi = await client.deleteMulti(['copy-tags', 'copy-replace']);
      assert.equal(multi.deleted.length, 2);
      await client.delete('copy-meta');
      await assert.rejects(client.head('copy-meta'), (error) => error.status === 404);
    });

    test('a wrong secret is SignatureDoesNotMatch', async () => {
      const wrong = new OSS({ ...options, bucket, accessKeySecret: 'wrong' });
      await assert.rejects(wrong.head(key), (error) => error.status === 403);
      await assert.rejects(wrong.get(key), (error) => error.code === 'SignatureDoesNotMatch');
    });
  });
}
