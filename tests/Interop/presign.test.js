// Presigned URLs made by ali-oss (signatureUrl, asyncSignatureUrl = V1, signatureUrlV4 = V4) used with a plain
// HTTP client: GET with response-* overrides, PUT uploads with signed Content-Type/Content-MD5, keys that need
// escaping, expiry and tampering. Path style: with an IP endpoint ali-oss builds no object URL.
'use strict';
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const OSS = require('ali-oss');
const { startLocalOss } = require('./localoss');
const { clientOptions, bucketName } = require('./support');

let server;
let client;
let bucket;
before(async () => {
  server = await startLocalOss();
  bucket = bucketName('presign');
  const options = clientOptions(server, { ip: false, v4: false });
  await new OSS(options).putBucket(bucket);
  client = new OSS({ ...options, bucket });
  await client.put('dir/file.txt', Buffer.from('presigned content'), { headers: { 'Content-Type': 'text/plain' } });
});
after(async () => { if (server) await server.stop(); });

async function ossError(response) {
  const text = await response.text();
  return { status: response.status, code: /<Code>([^<]+)<\/Code>/.exec(text)?.[1], message: /<Message>([^<]+)<\/Message>/.exec(text)?.[1] };
}

describe('V1 (signatureUrl, asyncSignatureUrl)', () => {
  test('GET, with and without response-* overrides', async () => {
    const plain = await fetch(client.signatureUrl('dir/file.txt', { expires: 60 }));
    assert.equal(plain.status, 200);
    assert.equal(plain.headers.get('content-type'), 'text/plain');
    assert.equal(await plain.text(), 'presigned content');

    const response = {
      'content-type': 'application/x-override',
      'content-disposition': 'attachment; filename="override.txt"',
      'cache-control': 'no-store',
      'content-language': 'zh-cn',
      'content-encoding': 'identity',
      expires: 'Thu, 01 Jan 2037 00:00:00 GMT',
    };
    const url = client.signatureUrl('dir/file.txt', { expires: 60, response });
    assert.match(url, /response-content-type=application%2Fx-override/);
    const overridden = await fetch(url);
    assert.equal(overridden.status, 200);
    for (const [name, value] of Object.entries(response)) assert.equal(overridden.headers.get(name), value, name);
    assert.equal(await overridden.text(), 'presigned content');

    const asyncUrl = await client.asyncSignatureUrl('dir/file.txt', { expires: 60 });
    assert.equal(await (await fetch(asyncUrl)).text(), 'presigned content');
  });

  test('keys that need escaping', async () => {
    for (const key of ['dir/%3get+meta-signatureUrl.js', 'dir/a b/数据 1+1?#.txt', 'dir//double']) {
      await client.put(key, Buffer.from(key));
      const response = await fetch(client.signatureUrl(key, { expires: 60 }));
      assert.equal(response.status, 200, key);
      assert.equal(await response.text(), key);
    }
  });

  test('PUT through a presigned URL, with the Content-Type and Content-MD5 it was signed with', async () => {
    const body = 'uploaded through a URL';
    const md5 = crypto.createHash('md5').update(body).digest('base64');
    const url = client.signatureUrl('uploads/put.txt', { method: 'PUT', expires: 60, 'Content-Type': 'text/plain; charset=UTF-8', 'Content-Md5': md5 });
    const put = await fetch(url, { method: 'PUT', body, headers: { 'Content-Type': 'text/plain; charset=UTF-8', 'Content-MD5': md5 } });
    assert.equal(put.status, 200);
    assert.equal(put.headers.get('etag'), `"${crypto.createHash('md5').update(body).digest('hex').toUpperCase()}"`);
    const head = await client.head('uploads/put.txt');
    assert.equal(head.res.headers['content-type'], 'text/plain; charset=UTF-8');
    assert.equal((await client.get('uploads/put.txt')).content.toString(), body);

    // Another Content-Type than the signed one does not match the signature.
    const wrong = await ossError(await fetch(url, { method: 'PUT', body, headers: { 'Content-Type': 'text/html', 'Content-MD5': md5 } }));
    assert.deepEqual([wrong.status, wrong.code], [403, 'SignatureDoesNotMatch']);
    // The trafficLimit option adds a signed x-oss-traffic-limit; LocalOss does not throttle, the URL works.
    const limited = client.signatureUrl('uploads/limited.txt', { method: 'PUT', expires: 60, trafficLimit: 8 * 1024 * 100 * 4 });
    // (A Buffer body: for a string fetch adds Content-Type text/plain, which the URL was not signed with.)
    assert.equal((await fetch(limited, { method: 'PUT', body: Buffer.from('limited') })).status, 200);
  });

  test('an expired URL is AccessDenied "Request has expired.", a tampered one SignatureDoesNotMatch', async () => {
    const url = new URL(client.signatureUrl('dir/file.txt', { expires: 60 }));
    url.searchParams.set('Expires', String(Math.floor(Date.now() / 1000) - 10));
    const expired = await ossError(await fetch(url));
    assert.deepEqual([expired.status, expired.code], [403, 'AccessDenied']);
    assert.equal(expired.message, 'Request has expired.');

    const tampered = new URL(client.signatureUrl('dir/file.txt', { expires: 60 }));
    tampered.pathname = tampered.pathname.replace('file.txt', 'other.txt');
    const mismatch = await ossError(await fetch(tampered));
    assert.deepEqual([mismatch.status, mismatch.code], [403, 'SignatureDoesNotMatch']);
  });

  test('with an IP endpoint ali-oss refuses to build a URL', () => {
    const ip = new OSS(clientOptions(server, { ip: true, v4: false }, { bucket }));
    assert.throws(() => ip.signatureUrl('dir/file.txt'), /can not get the object URL when endpoint is IP/);
  });
});

describe('V4 (signatureUrlV4)', () => {
  let v4;
  before(() => { v4 = new OSS(clientOptions(server, { ip: false, v4: true }, { bucket })); });

  test('GET, with response-* overrides as signed queries', async () => {
    const plain = await fetch(await v4.signatureUrlV4('GET', 60, {}, 'dir/file.txt'));
    assert.equal(plain.status, 200);
    assert.equal(await plain.text(), 'presigned content');
    const url = await v4.signatureUrlV4('GET', 60, { queries: { 'response-content-disposition': 'attachment; filename="v4.txt"' } }, 'dir/file.txt');
    const overridden = await fetch(url);
    assert.equal(overridden.headers.get('content-disposition'), 'attachment; filename="v4.txt"');
  });

  test('PUT with signed headers and additional headers', async () => {
    const headers = { 'Content-Type': 'application/json', 'x-oss-meta-source': 'presigned', 'x-custom': 'signed-too' };
    const url = await v4.signatureUrlV4('PUT', 60, { headers }, 'uploads/v4.json', ['x-custom']);
    assert.match(url, /x-oss-additional-headers=x-custom/);
    const put = await fetch(url, { method: 'PUT', body: '{"v":4}', headers });
    assert.equal(put.status, 200);
    const head = await client.head('uploads/v4.json');
    assert.equal(head.meta.source, 'presigned');
    assert.equal(head.res.headers['content-type'], 'application/json');
    const missing = await ossError(await fetch(url, { method: 'PUT', body: '{"v":4}', headers: { ...headers, 'x-custom': 'changed' } }));
    assert.deepEqual([missing.status, missing.code], [403, 'SignatureDoesNotMatch']);
  });

  test('an expired V4 URL is AccessDenied', async () => {
    const url = new URL(await v4.signatureUrlV4('GET', 1, {}, 'dir/file.txt'));
    const date = url.searchParams.get('x-oss-date');
    const past = new Date(Date.now() - 120000).toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
    assert.equal(past.length, date.length);
    url.searchParams.set('x-oss-date', past);
    // Expiry is judged before the signature, as OSS does: x-oss-date + x-oss-expires is in the past.
    const expired = await ossError(await fetch(url));
    assert.deepEqual([expired.status, expired.code, expired.message], [403, 'AccessDenied', 'Request has expired.']);
  });
});
