// Browser form uploads (PostObject) signed the way ali-oss signs them (calculatePostSignature for V1,
// signPostObjectPolicyV4 for V4), sent with a plain multipart/form-data POST; and upload callbacks, which
// LocalOss does not call (a clear 501 instead of an answer ali-oss cannot parse).
'use strict';
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const OSS = require('ali-oss');
const { startLocalOss } = require('./localoss');
const { clientOptions, bucketName, credentials, rejectsWithOss } = require('./support');

let server;
let bucket;
before(async () => {
  server = await startLocalOss();
  bucket = bucketName('post');
  await new OSS(clientOptions(server, { ip: false, v4: false })).putBucket(bucket);
});
after(async () => { if (server) await server.stop(); });

function form(fields, content, fileName = 'upload.txt', type = 'text/plain') {
  const body = new FormData();
  for (const [name, value] of Object.entries(fields)) body.append(name, value);
  body.append('file', new Blob([content], { type }), fileName);
  return body;
}

async function answer(response) {
  const text = await response.text();
  return { status: response.status, code: /<Code>([^<]+)<\/Code>/.exec(text)?.[1], message: /<Message>([^<]+)<\/Message>/.exec(text)?.[1], text };
}

describe('PostObject', () => {
  test('V1: calculatePostSignature, the policy conditions hold, the file is stored with the form\'s metadata', async () => {
    const client = new OSS(clientOptions(server, { ip: false, v4: false }, { bucket }));
    const policy = {
      expiration: new Date(Date.now() + 600000).toISOString(),
      conditions: [{ bucket }, ['starts-with', '$key', 'browser/'], ['content-length-range', 1, 1000]],
    };
    const signed = client.calculatePostSignature(policy);
    const url = `http://localhost:${server.port}/${bucket}/`;
    const ok = await fetch(url, { method: 'POST', body: form({ key: 'browser/${filename}', ...signed, 'x-oss-meta-from': 'form' }, 'calculatePostSignature', 'note.txt') });
    assert.equal(ok.status, 204);
    const head = await client.head('browser/note.txt');
    assert.equal(head.meta.from, 'form');
    assert.equal(head.res.headers['content-type'], 'text/plain');
    assert.equal((await client.get('browser/note.txt')).content.toString(), 'calculatePostSignature');

    const outside = await answer(await fetch(url, { method: 'POST', body: form({ key: 'elsewhere/x', ...signed }, 'x') }));
    assert.deepEqual([outside.status, outside.code], [403, 'AccessDenied']);
    assert.equal(outside.message.replace(/&quot;/g, '"'), 'Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "browser/"]');
    const tooBig = await answer(await fetch(url, { method: 'POST', body: form({ key: 'browser/big', ...signed }, 'x'.repeat(1001)) }));
    assert.deepEqual([tooBig.status, tooBig.code], [400, 'EntityTooLarge']);
    const forged = await answer(await fetch(url, { method: 'POST', body: form({ key: 'browser/x', ...signed, Signature: 'AAAA' }, 'x') }));
    assert.deepEqual([forged.status, forged.code], [403, 'SignatureDoesNotMatch']);
    const created = await fetch(url, { method: 'POST', body: form({ key: 'browser/201', ...signed, success_action_status: '201' }, 'x') });
    assert.equal(created.status, 201);
    assert.match(await created.text(), /<PostResponse><Bucket>.*<\/Bucket>.*<Key>browser\/201<\/Key><ETag>&quot;[0-9A-F]{32}&quot;<\/ETag><\/PostResponse>/);
  });

  test('V4: signPostObjectPolicyV4', async () => {
    const client = new OSS(clientOptions(server, { ip: false, v4: true }, { bucket }));
    const date = new Date();
    const day = date.toISOString().slice(0, 10).replace(/-/g, '');
    const isoDate = `${date.toISOString().replace(/[-:]/g, '').slice(0, 15)}Z`;
    const credential = `${credentials.accessKeyId}/${day}/cn-hangzhou/oss/aliyun_v4_request`;
    const policy = {
      expiration: new Date(Date.now() + 600000).toISOString(),
      conditions: [{ bucket }, { 'x-oss-signature-version': 'OSS4-HMAC-SHA256' }, { 'x-oss-credential': credential }, { 'x-oss-date': isoDate }],
    };
    const fields = {
      key: 'browser/v4.txt',
      policy: Buffer.from(JSON.stringify(policy)).toString('base64'),
      'x-oss-signature-version': 'OSS4-HMAC-SHA256',
      'x-oss-credential': credential,
      'x-oss-date': isoDate,
      'x-oss-signature': client.signPostObjectPolicyV4(policy, date),
    };
    const response = await fetch(`http://localhost:${server.port}/${bucket}/`, { method: 'POST', body: form(fields, 'signed with V4') });
    assert.equal(response.status, 204, await response.text());
    assert.equal((await client.get('browser/v4.txt')).content.toString(), 'signed with V4');
  });
});

describe('upload callbacks', () => {
  test('put with a callback answers 501 NotImplemented: LocalOss calls no callback server', async () => {
    const client = new OSS(clientOptions(server, { ip: false, v4: true }, { bucket }));
    const callback = { url: 'http://localhost:1/callback', body: 'bucket=${bucket}&object=${object}' };
    const error = await rejectsWithOss(client.put('cb/k', Buffer.from('x'), { callback }), { status: 501, code: 'NotImplemented' });
    assert.match(error.message, /callback/);
    await rejectsWithOss(client.head('cb/k'), { status: 404, code: 'NoSuchKey', body: false });
  });
});
