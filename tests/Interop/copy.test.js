// ali-oss copy(): within and across buckets and regions, the x-oss-copy-source-if-* conditions (ali-oss turns
// every option header into an x-oss-copy-source-* one), metadata replacement, and copying onto itself.
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
    let client;
    let bucket;
    let other;
    let etag;
    let date;

    before(async () => {
      bucket = bucketName('copy', variant);
      other = `${bucket}-other`;
      const admin = new OSS(clientOptions(server, variant));
      await admin.putBucket(bucket);
      await admin.putBucket(other);
      client = new OSS(clientOptions(server, variant, { bucket }));
      const put = await client.put('src/copy-meta_测试.js', Buffer.from('source'), { meta: { uid: '1', pid: '123' }, headers: { 'x-oss-tagging': 'a=1' } });
      ({ etag, date } = put.res.headers);
      await new OSS(clientOptions(server, variant, { bucket: other })).put('from-other.txt', Buffer.from('other bucket'));
    });

    test('within the bucket, from another bucket (both ways of naming it), keeping metadata and tags', async () => {
      const same = await client.copy('dst/same.js', 'src/copy-meta_测试.js');
      assert.equal(same.res.status, 200);
      assert.equal(same.data.etag, etag);
      assert.equal(typeof same.data.lastModified, 'string');
      const head = await client.head('dst/same.js');
      assert.deepEqual(head.meta, { uid: '1', pid: '123' });
      assert.equal(head.res.headers['x-oss-tagging-count'], '1');
      assert.equal(head.res.headers['x-oss-hash-crc64ecma'], (await client.head('src/copy-meta_测试.js')).res.headers['x-oss-hash-crc64ecma']);

      await client.copy('dst/from-other-1.txt', `/${other}/from-other.txt`);
      await client.copy('dst/from-other-2.txt', 'from-other.txt', other);
      for (const name of ['dst/from-other-1.txt', 'dst/from-other-2.txt']) {
        assert.equal((await client.get(name)).content.toString(), 'other bucket');
      }
      await rejectsWithOss(client.copy('dst/missing', 'src/not-there'), { status: 404, code: 'NoSuchKey', message: 'The specified key does not exist.' });
      await rejectsWithOss(client.copy('dst/missing', 'k', 'no-such-bucket-for-copy'), { status: 404, code: 'NoSuchBucket' });
    });

    test('meta or a standard header replaces the metadata (REPLACE), also onto the same key', async () => {
      await client.copy('dst/replaced.js', 'src/copy-meta_测试.js', { meta: { uid: '2' } });
      assert.deepEqual((await client.head('dst/replaced.js')).meta, { uid: '2' });
      await client.copy('dst/self.js', 'src/copy-meta_测试.js');
      await client.copy('dst/self.js', 'dst/self.js', { headers: { 'Cache-Control': 'max-age=0, s-maxage=86400' } });
      const head = await client.head('dst/self.js');
      assert.equal(head.res.headers['cache-control'], 'max-age=0, s-maxage=86400');
      assert.equal((await client.get('dst/self.js')).content.toString(), 'source');
    });

    test('copy-source conditions: 412 with the condition named, 304 with no data, 200 otherwise', async () => {
      const lastYear = new Date(Date.parse(date) - 365 * 86400000).toUTCString();
      const nextYear = new Date(Date.parse(date) + 365 * 86400000).toUTCString();
      const ifMatch = await rejectsWithOss(client.copy('dst/c1', 'src/copy-meta_测试.js', { headers: { 'If-Match': '"foo-bar"' } }), { status: 412, code: 'PreconditionFailed' });
      assert.equal(ifMatch.message, 'At least one of the pre-conditions you specified did not hold. (condition: If-Match)');
      assert.equal(ifMatch.name, 'PreconditionFailedError');
      const unmodified = await rejectsWithOss(client.copy('dst/c1', 'src/copy-meta_测试.js', { headers: { 'If-Unmodified-Since': lastYear } }), { status: 412, code: 'PreconditionFailed' });
      assert.equal(unmodified.message, 'At least one of the pre-conditions you specified did not hold. (condition: If-Unmodified-Since)');
      for (const headers of [{ 'If-None-Match': etag }, { 'If-Modified-Since': nextYear }, { 'If-Modified-Since': date }]) {
        const skipped = await client.copy('dst/c2', 'src/copy-meta_测试.js', { headers });
        assert.equal(skipped.res.status, 304, JSON.stringify(headers));
        assert.equal(skipped.data, null);
      }
      await rejectsWithOss(client.head('dst/c1'), { status: 404, code: 'NoSuchKey', body: false });
      for (const headers of [{ 'If-Match': etag }, { 'If-None-Match': '"foo-bar"' }, { 'If-Modified-Since': lastYear }, { 'If-Unmodified-Since': nextYear }, { 'If-Unmodified-Since': date }]) {
        assert.equal((await client.copy('dst/c3', 'src/copy-meta_测试.js', { headers })).res.status, 200, JSON.stringify(headers));
      }
    });
  });
}

describe('across regions (IP endpoint: the Host names the region)', () => {
  for (const v4 of [false, true]) {
    test(`${v4 ? 'V4' : 'V1'}: same region copies, another region's bucket is refused`, async () => {
      const hangzhou = bucketName('hz', { ip: true, v4 });
      const hangzhou2 = `${hangzhou}-2`;
      const shanghai = bucketName('sh', { ip: true, v4 });
      const hz = clientOptions(server, { ip: true, v4 });
      const sh = clientOptions(server, { ip: true, v4 }, { region: 'oss-cn-shanghai' });
      await new OSS(hz).putBucket(hangzhou);
      await new OSS(hz).putBucket(hangzhou2);
      await new OSS(sh).putBucket(shanghai);
      assert.equal((await new OSS(sh).getBucketLocation(shanghai)).location, 'oss-cn-shanghai');
      assert.equal((await new OSS(sh).getBucketInfo(shanghai)).bucket.ExtranetEndpoint, 'oss-cn-shanghai.aliyuncs.com');
      await new OSS({ ...hz, bucket: hangzhou }).put('k', Buffer.from('in hangzhou'));

      const sameRegion = new OSS({ ...hz, bucket: hangzhou2 });
      await sameRegion.copy('k', 'k', hangzhou);
      assert.equal((await sameRegion.get('k')).content.toString(), 'in hangzhou');

      const otherRegion = new OSS({ ...sh, bucket: shanghai });
      const error = await rejectsWithOss(otherRegion.copy('k', 'k', hangzhou), { status: 400, code: 'InvalidArgument', ec: '0016-00000306' });
      assert.match(error.message, /across regions/);
      await rejectsWithOss(otherRegion.head('k'), { status: 404, code: 'NoSuchKey', body: false });
    });
  }
});
