// The error objects ali-oss builds from LocalOss's answers (lib/client.js requestError): status, code, message,
// requestId, hostId and ecCode, from the XML body or, for HEAD, from 404/412 alone or the x-oss-err header;
// and anonymous access through ACLs (public object URLs).
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
    const host = () => (variant.ip ? `${bucket}.oss-cn-hangzhou.aliyuncs.com` : 'localhost');

    before(async () => {
      bucket = bucketName('errors', variant);
      admin = new OSS(clientOptions(server, variant));
      await admin.putBucket(bucket);
      client = new OSS(clientOptions(server, variant, { bucket }));
      await client.put('exists', Buffer.from('x'));
    });

    test('NoSuchKey: get has the XML fields; head has status and request id only, as ali-oss reads a bare 404', async () => {
      const get = await rejectsWithOss(client.get('missing'), { status: 404, code: 'NoSuchKey', ec: '0026-00000001', message: 'The specified key does not exist.' });
      assert.equal(get.name, 'NoSuchKeyError');
      assert.equal(get.hostId, host());
      const head = await rejectsWithOss(client.head('missing'), { status: 404, code: 'NoSuchKey', body: false });
      assert.equal(head.message, 'Object not exists');
      assert.equal(head.ecCode, undefined);
      await rejectsWithOss(client.getObjectMeta('missing'), { status: 404, code: 'NoSuchKey', body: false });
    });

    test('NoSuchBucket, and ali-oss calls a HEAD of a missing bucket NoSuchKey (any 404 HEAD is)', async () => {
      const missing = new OSS(clientOptions(server, variant, { bucket: 'no-such-bucket-here' }));
      const error = await rejectsWithOss(missing.get('k'), { status: 404, code: 'NoSuchBucket', ec: '0015-00000101', message: 'The specified bucket does not exist.' });
      assert.equal(error.name, 'NoSuchBucketError');
      await rejectsWithOss(missing.head('k'), { status: 404, code: 'NoSuchKey', body: false });
      await rejectsWithOss(missing.put('k', Buffer.from('x')), { status: 404, code: 'NoSuchBucket' });
      await rejectsWithOss(missing.list(), { status: 404, code: 'NoSuchBucket' });
    });

    test('SignatureDoesNotMatch and InvalidAccessKeyId, for GET and (through x-oss-err) HEAD', async () => {
      const wrongSecret = new OSS(clientOptions(server, variant, { bucket, accessKeySecret: 'not-the-secret' }));
      const message = 'The request signature we calculated does not match the signature you provided. Check your key and signing method.';
      await rejectsWithOss(wrongSecret.get('exists'), { status: 403, code: 'SignatureDoesNotMatch', ec: '0002-00000040', message });
      await rejectsWithOss(wrongSecret.head('exists'), { status: 403, code: 'SignatureDoesNotMatch', ec: '0002-00000040', message });
      await rejectsWithOss(wrongSecret.put('k', Buffer.from('x')), { status: 403, code: 'SignatureDoesNotMatch' });
      const unknown = new OSS(clientOptions(server, variant, { bucket, accessKeyId: 'LTAI5tNoSuchKeyHere' }));
      await rejectsWithOss(unknown.get('exists'), { status: 403, code: 'InvalidAccessKeyId', ec: '0002-00000002' });
      await rejectsWithOss(unknown.head('exists'), { status: 403, code: 'InvalidAccessKeyId', ec: '0002-00000002' });
    });

    test('SignatureDoesNotMatch for a 1023-byte key still reaches ali-oss intact (get, head, getStream)', async () => {
      // Its string to sign is several KiB: x-oss-err must stay within what Node's HTTP parser accepts.
      const wrongSecret = new OSS(clientOptions(server, variant, { bucket, accessKeySecret: 'not-the-secret' }));
      const key = '数'.repeat(341);
      for (const call of [() => wrongSecret.get(key), () => wrongSecret.head(key), () => wrongSecret.getStream(key)]) {
        await rejectsWithOss(call(), { status: 403, code: 'SignatureDoesNotMatch', ec: '0002-00000040' });
      }
    });

    test('RequestTimeTooSkewed for a client clock 20 minutes off (ali-oss amendTimeSkewed)', async () => {
      const skewed = new OSS(clientOptions(server, variant, { bucket, amendTimeSkewed: -20 * 60 * 1000 }));
      const error = await rejectsWithOss(skewed.get('exists'), { status: 403, code: 'RequestTimeTooSkewed', ec: '0002-00000504' });
      assert.equal(error.message, 'The difference between the request time and the current time is too large.');
      const fine = new OSS(clientOptions(server, variant, { bucket, amendTimeSkewed: -5 * 60 * 1000 }));
      assert.equal((await fine.get('exists')).content.toString(), 'x');
    });

    test('BucketAlreadyExists and BucketNotEmpty', async () => {
      const exists = await rejectsWithOss(admin.putBucket(bucket), { status: 409, code: 'BucketAlreadyExists', ec: '0015-00000104' });
      assert.match(exists.message, /^The requested bucket name is not available/);
      const notEmpty = await rejectsWithOss(admin.deleteBucket(bucket), { status: 409, code: 'BucketNotEmpty', ec: '0015-00000301' });
      assert.equal(notEmpty.message, 'The bucket has objects. Please delete them first.');
    });

    test('AccessDenied for anonymous requests unless an ACL makes the object public', async () => {
      if (variant.ip) return; // Plain HTTP clients cannot set the virtual-hosted Host header; path style shows the same rules.
      const base = `http://localhost:${server.port}/${bucket}`;
      const denied = await fetch(`${base}/exists`);
      assert.equal(denied.status, 403);
      const text = await denied.text();
      assert.match(text, /<Code>AccessDenied<\/Code>/);
      assert.match(text, /<EC>0003-00000001<\/EC>/);
      assert.equal(denied.headers.get('x-oss-ec'), '0003-00000001');

      const put = await client.put('public/file.txt', Buffer.from('for everyone'));
      await client.putACL('public/file.txt', 'public-read');
      const url = client.getObjectUrl('public/file.txt', `${base}/`);
      assert.equal(url, put.url);
      const open = await fetch(url);
      assert.equal(open.status, 200);
      assert.equal(await open.text(), 'for everyone');
      assert.equal((await fetch(url, { method: 'PUT', body: Buffer.from('vandal') })).status, 403);

      await admin.putBucketACL(bucket, 'public-read');
      assert.equal((await fetch(`${base}/exists`)).status, 200);
      const listing = await fetch(`${base}/?prefix=public/`);
      assert.match(await listing.text(), /<Key>public\/file.txt<\/Key>/);
      assert.equal((await fetch(`${base}/nothing-here`)).status, 404);
      await admin.putBucketACL(bucket, 'private');
    });
  });
}
