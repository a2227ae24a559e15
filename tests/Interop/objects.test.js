// Object operations of ali-oss a LocalOss user calls beyond the copy tool's own: streams (chunked uploads,
// streamed downloads), file paths and Buffers, append, object metadata, ACLs, bulk deletes and keys with any
// characters. V1 and V4, IP endpoint (virtual-hosted Host) and path style (sldEnable).
'use strict';
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const { Readable } = require('node:stream');
const OSS = require('ali-oss');
const { startLocalOss } = require('./localoss');
const { variants, clientOptions, bucketName, rejectsWithOss } = require('./support');

let server;
let tmp;
before(async () => {
  server = await startLocalOss(['--restore-delay', '0.3']);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'localoss-interop-'));
});
after(async () => {
  if (server) await server.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function readAll(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

for (const variant of variants) {
  describe(variant.name, () => {
    let client;
    let admin;
    let bucket;

    before(async () => {
      bucket = bucketName('objects', variant);
      admin = new OSS(clientOptions(server, variant));
      await admin.putBucket(bucket);
      client = new OSS(clientOptions(server, variant, { bucket }));
    });

    test('putStream without a length is chunked; getStream streams it back with the whole-object CRC-64', async () => {
      const data = crypto.randomBytes(700 * 1024);
      const parts = [data.subarray(0, 1), data.subarray(1, 300 * 1024), data.subarray(300 * 1024)];
      const put = await client.putStream('stream/chunked.bin', Readable.from(parts));
      assert.equal(put.res.status, 200);
      const got = await client.getStream('stream/chunked.bin');
      assert.equal(got.res.status, 200);
      assert.equal(got.res.headers['x-oss-hash-crc64ecma'], put.res.headers['x-oss-hash-crc64ecma']);
      assert.deepEqual(await readAll(got.stream), data);
      const range = await client.getStream('stream/chunked.bin', { headers: { Range: 'bytes=10-19' } });
      assert.equal(range.res.status, 206);
      assert.deepEqual(await readAll(range.stream), data.subarray(10, 20));
      const sized = await client.putStream('stream/sized.bin', Readable.from([data]), { contentLength: data.length });
      assert.equal(sized.res.headers.etag, `"${crypto.createHash('md5').update(data).digest('hex').toUpperCase()}"`);
    });

    test('put from a file path (type from the extension) and from a Buffer; get into a file', async () => {
      const file = path.join(tmp, `${bucket}.json`);
      fs.writeFileSync(file, '{"from":"file"}');
      await client.put('files/data.json', file);
      assert.equal((await client.head('files/data.json')).res.headers['content-type'], 'application/json');
      await client.put('files/buffer', Buffer.from('from a buffer'), { mime: 'text/x-custom', headers: { 'Content-Disposition': 'attachment; filename="b.txt"', 'Cache-Control': 'no-cache', Expires: '1000000' } });
      const head = await client.head('files/buffer');
      assert.equal(head.res.headers['content-type'], 'text/x-custom');
      assert.equal(head.res.headers['content-disposition'], 'attachment; filename="b.txt"');
      assert.equal(head.res.headers.expires, '1000000');
      const out = path.join(tmp, `${bucket}.out`);
      await client.get('files/data.json', out);
      assert.equal(fs.readFileSync(out, 'utf8'), '{"from":"file"}');
      // put strips leading slashes from the name, as ali-oss does for every object call.
      const slash = await client.put('/files/leading', Buffer.from('x'));
      assert.equal(slash.name, 'files/leading');
      assert.equal((await client.get('files/leading')).content.toString(), 'x');
    });

    test('append: positions, nextAppendPosition, the whole-object CRC-64, and the errors', async () => {
      const name = 'append/log.txt';
      let result = await client.append(name, Buffer.from('foo'));
      assert.equal(result.res.status, 200);
      assert.equal(result.nextAppendPosition, '3');
      result = await client.append(name, Buffer.from('bar'), { position: result.nextAppendPosition });
      assert.equal(result.nextAppendPosition, '6');
      result = await client.append(name, fs.createReadStream(path.join(__dirname, 'fixtures', 'foo.js')), { position: 6 });
      assert.equal(result.nextAppendPosition, '22');
      result = await client.append(name, path.join(__dirname, 'fixtures', 'foo.js'), { position: 22 });
      assert.equal(result.nextAppendPosition, '38');
      const get = await client.get(name);
      const expected = `foobar${'console.log(1);\n'.repeat(2)}`;
      assert.equal(get.content.toString(), expected);
      assert.equal(get.res.headers['x-oss-next-append-position'], '38');
      assert.equal(get.res.headers['x-oss-object-type'], 'Appendable');
      assert.equal(get.res.headers['x-oss-hash-crc64ecma'], result.res.headers['x-oss-hash-crc64ecma']);

      const wrong = await rejectsWithOss(client.append(name, Buffer.from('x')), { status: 409, code: 'PositionNotEqualToLength', ec: '0026-00000016' });
      assert.equal(wrong.message, 'Position is not equal to file length');
      assert.equal(wrong.name, 'PositionNotEqualToLengthError');
      await client.put('append/normal', Buffer.from('normal'));
      await rejectsWithOss(client.append('append/normal', Buffer.from('x'), { position: 6 }), { status: 409, code: 'ObjectNotAppendable', ec: '0026-00000017' });
      await rejectsWithOss(client.copy('append/copy', name), { status: 400, code: 'OperationNotSupported' });
    });

    test('putMeta replaces the user metadata; getObjectMeta answers size, ETag and CRC without a body', async () => {
      await client.put('meta/k', Buffer.from('12345'), { meta: { uid: '1', pid: '123' } });
      assert.deepEqual((await client.head('meta/k')).meta, { uid: '1', pid: '123' });
      // Non-ASCII metadata needs headerEncoding 'latin1' (Node refuses other header characters); OSS and LocalOss
      // keep the UTF-8 bytes, which Node reads back as latin1.
      const utf8 = new OSS(clientOptions(server, variant, { bucket, headerEncoding: 'latin1' }));
      const replaced = await utf8.putMeta('meta/k', { uid: '2', name: '数据' });
      assert.equal(replaced.res.status, 200);
      const head = await client.head('meta/k');
      assert.equal(head.meta.uid, '2');
      assert.equal(head.meta.pid, undefined);
      assert.equal(Buffer.from(head.meta.name, 'latin1').toString(), '数据');
      const meta = await client.getObjectMeta('meta/k');
      assert.equal(meta.status, 200);
      assert.equal(meta.res.headers['content-length'], '5');
      assert.equal(meta.res.headers.etag, head.res.headers.etag);
      assert.equal(meta.res.headers['x-oss-hash-crc64ecma'], head.res.headers['x-oss-hash-crc64ecma']);
      await rejectsWithOss(client.putMeta('meta/missing', { a: '1' }), { status: 404, code: 'NoSuchKey' });
      await rejectsWithOss(client.getObjectMeta('meta/missing'), { status: 404, code: 'NoSuchKey', body: false });
    });

    test('object and bucket ACLs', async () => {
      await client.put('acl/k', Buffer.from('x'));
      assert.equal((await client.getACL('acl/k')).acl, 'default');
      await client.putACL('acl/k', 'public-read');
      const acl = await client.getACL('acl/k');
      assert.equal(acl.acl, 'public-read');
      assert.match(acl.owner.id, /^\d+$/);
      await rejectsWithOss(client.putACL('acl/k', 'everyone'), { status: 400, code: 'InvalidArgument' });
      assert.equal((await admin.getBucketACL(bucket)).acl, 'private');
      await admin.putBucketACL(bucket, 'public-read');
      assert.equal((await admin.getBucketACL(bucket)).acl, 'public-read');
      assert.equal((await admin.getBucketInfo(bucket)).bucket.AccessControlList.Grant, 'public-read');
      await admin.putBucketACL(bucket, 'private');
    });

    test('putSymlink and getSymlink; get and head follow the link', async () => {
      const target = 'oss/target-测试.js';
      await client.put(`/${target}`, Buffer.from('target content'));
      const put = await client.putSymlink('/oss/symlink-软链接.js', `/${target}`, { storageClass: 'IA', meta: { uid: '1', slus: 'test.html' } });
      assert.equal(put.res.status, 200);
      const link = await client.getSymlink('oss/symlink-软链接.js');
      assert.equal(link.targetName, target);
      const head = await client.head('oss/symlink-软链接.js');
      assert.equal(head.res.headers['x-oss-object-type'], 'Symlink');
      assert.equal(head.res.headers['x-oss-storage-class'], 'IA');
      assert.deepEqual(head.meta, { uid: '1', slus: 'test.html' });
      assert.equal(head.res.headers['content-length'], '14');
      assert.equal((await client.get('oss/symlink-软链接.js')).content.toString(), 'target content');
      await client.putSymlink('oss/dangling', 'oss/nothing-here');
      await rejectsWithOss(client.get('oss/dangling'), { status: 404, code: 'SymlinkTargetNotExist', ec: '0026-00000012' });
      await rejectsWithOss(client.getSymlink(target), { status: 400, code: 'NotSymlink' });
    });

    test('restore: archived objects are frozen until restored; other classes are OperationNotSupported', async () => {
      await client.put('/oss/restore.js', Buffer.from('standard'));
      const refused = await rejectsWithOss(client.restore('/oss/restore.js'), { status: 400, code: 'OperationNotSupported', ec: '0016-00000702' });
      assert.equal(refused.name, 'OperationNotSupportedError');

      for (const type of ['Archive', 'ColdArchive']) {
        const name = `cold/${type}.txt`;
        await client.put(name, Buffer.from(`${type} data`), { headers: { 'x-oss-storage-class': type } });
        assert.equal((await client.head(name)).res.headers['x-oss-storage-class'], type);
        await rejectsWithOss(client.get(name), { status: 403, code: 'InvalidObjectState' });
        const first = await client.restore(name, { type, Days: 3 });
        assert.equal(first.res.status, 202);
        const again = await rejectsWithOss(client.restore(name, { type }), { status: 409, code: 'RestoreAlreadyInProgress', ec: '0016-00000701' });
        assert.equal(again.name, 'RestoreAlreadyInProgressError');
        assert.equal((await client.head(name)).res.headers['x-oss-restore'], 'ongoing-request="true"');
        const listed = await client.listV2({ prefix: name });
        assert.deepEqual(listed.objects[0].restoreInfo, { ongoingRequest: true });
      }

      await new Promise((resolve) => { setTimeout(resolve, 400); });
      for (const type of ['Archive', 'ColdArchive']) {
        const name = `cold/${type}.txt`;
        assert.equal((await client.get(name)).content.toString(), `${type} data`);
        const info = (await client.list({ prefix: name })).objects[0].restoreInfo;
        assert.equal(info.ongoingRequest, false);
        assert.ok(info.expiryDate > new Date(Date.now() + 2 * 86400000));
      }
    });

    test('deleteMulti, verbose and quiet, with keys that need XML escaping', async () => {
      const names = ['bulk/a', 'bulk/b&c', 'bulk/<d>', 'bulk/"e\''];
      for (const name of names) await client.put(name, Buffer.from(name));
      const verbose = await client.deleteMulti([...names.slice(0, 2), 'bulk/never-existed']);
      assert.deepEqual(verbose.deleted.map((d) => d.Key), ['bulk/a', 'bulk/b&c', 'bulk/never-existed']);
      const quiet = await client.deleteMulti(names.slice(2), { quiet: true });
      assert.deepEqual(quiet.deleted, []);
      assert.deepEqual((await client.list({ prefix: 'bulk/' })).objects, []);
    });

    test('keys with spaces, +, %, unicode, ?, #, //, control characters and XML characters', async () => {
      const keys = ['k/a b', 'k/a+b', 'k/100%', 'k/%2F', 'k/数据/ключ/🙂', 'k/what?', 'k/#hash', 'k//double', 'k/\u0001\u000c\u0007Pc',
        'k/a<b&c>d +', "k/!'()*", 'k/~tilde', 'k/是 空格 yeah +-/\\&*#(1) '];
      for (const key of keys) {
        await client.put(key, Buffer.from(key));
        assert.equal((await client.get(key)).content.toString(), key, key);
        assert.equal((await client.head(key)).status, 200, key);
      }
      const listed = (await client.list({ prefix: 'k/', 'max-keys': 100 })).objects.map((o) => o.name);
      assert.deepEqual(listed, [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
      const v2 = (await client.listV2({ prefix: 'k/', 'max-keys': 100, 'encoding-type': 'url' })).objects.map((o) => decodeURIComponent(o.name));
      assert.deepEqual(v2, listed);
      for (const key of keys) {
        await client.copy(`copied/${key}`, key);
        assert.equal((await client.get(`copied/${key}`)).content.toString(), key, key);
      }
      const deleted = await client.deleteMulti(keys);
      assert.deepEqual(deleted.deleted.map((d) => d.Key), keys);
    });

    test('keys with ./ or ../ segments are normalised away by the HTTP client, so OSS answers SignatureDoesNotMatch', async () => {
      // Node's URL handling drops dot segments before sending, while ali-oss signs the key as given: the request
      // reaches OSS (and LocalOss) for another key than the one signed. Real OSS answers the same error.
      await rejectsWithOss(client.put('dots/./k', Buffer.from('x')), { status: 403, code: 'SignatureDoesNotMatch' });
      await rejectsWithOss(client.put('dots/../k', Buffer.from('x')), { status: 403, code: 'SignatureDoesNotMatch' });
    });

    test('conditional head and get (If-Modified-Since, If-Unmodified-Since, If-Match, If-None-Match)', async () => {
      const put = await client.put('cond/k', Buffer.from('conditional'));
      const { etag, date } = put.res.headers;
      const lastYear = new Date(Date.parse(date) - 365 * 86400000).toUTCString();
      const nextYear = new Date(Date.parse(date) + 365 * 86400000).toUTCString();
      assert.equal((await client.head('cond/k', { headers: { 'If-Modified-Since': lastYear } })).status, 200);
      assert.equal((await client.head('cond/k', { headers: { 'If-Modified-Since': date } })).status, 304);
      assert.equal((await client.head('cond/k', { headers: { 'If-None-Match': etag } })).status, 304);
      assert.equal((await client.head('cond/k', { headers: { 'If-Unmodified-Since': nextYear } })).status, 200);
      await rejectsWithOss(client.head('cond/k', { headers: { 'If-Unmodified-Since': lastYear } }), { status: 412, code: 'PreconditionFailed', body: false });
      await rejectsWithOss(client.head('cond/k', { headers: { 'If-Match': '"foo-etag"' } }), { status: 412, code: 'PreconditionFailed', body: false });
      const notModified = await client.get('cond/k', { headers: { 'If-None-Match': etag } });
      assert.equal(notModified.res.status, 304);
      assert.equal(notModified.content.length, 0);
      const failed = await rejectsWithOss(client.get('cond/k', { headers: { 'If-Unmodified-Since': lastYear } }), { status: 412, code: 'PreconditionFailed' });
      assert.equal(failed.message, 'At least one of the pre-conditions you specified did not hold. (condition: If-Unmodified-Since)');
      assert.equal((await client.get('cond/k', { headers: { 'If-Match': etag } })).content.toString(), 'conditional');
    });
  });
}
