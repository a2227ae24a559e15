// A second official Node.js SDK against LocalOss: @alicloud/oss20190517 (Alibaba Cloud's generated OpenAPI SDK for
// OSS, V1 signing through @alicloud/gateway-oss), with its own canonicalisation and virtual-hosted addressing.
//
// What it needs and where it stops (all on the SDK's side, so the same against OSS):
// - It always puts the bucket in the host name ({bucket}.localhost here): this process resolves *.localhost to
//   127.0.0.1, as a hosts entry or systemd-resolved would. Its endpointType 'ip' sends "Host: 127.0.0.1:PORT/bucket",
//   which is not a valid Host header; LocalOss's HTTP server (Kestrel) refuses it with a bare 400.
// - Its headers.metaData sends a stray "x-oss-meta-*: null" header that it does not sign (SignatureDoesNotMatch).
// - It does not escape non-ASCII key characters (Node: "Request path contains unescaped characters").
// - Its XML mapping fails on single-element lists ("type of contents is mismatch") and its CopyObject on sorting
//   ("not a valid value for parameter").
'use strict';
const dns = require('node:dns');
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { Readable } = require('node:stream');
const OSS = require('@alicloud/oss20190517');
const { Config } = require('@alicloud/openapi-client');
const Util = require('@alicloud/tea-util');
const { startLocalOss } = require('./localoss');
const { credentials } = require('./support');

const resolve = dns.lookup;
dns.lookup = (host, options, callback) => {
  if (typeof options === 'function') [options, callback] = [{}, options];
  if (!host.endsWith('.localhost')) return resolve(host, options, callback);
  return options && options.all ? callback(null, [{ address: '127.0.0.1', family: 4 }]) : callback(null, '127.0.0.1', 4);
};

const bucket = 'oss20190517-bucket';
let server;
let client;
before(async () => {
  server = await startLocalOss(['--bucket', bucket]);
  client = new OSS.default(new Config({ ...credentials, endpoint: `localhost:${server.port}`, protocol: 'http', regionId: 'cn-hangzhou' }));
});
after(async () => { if (server) await server.stop(); });

describe('@alicloud/oss20190517 (V1, virtual-hosted)', () => {
  test('put, head, get, delete an object with a key that needs escaping', async () => {
    const key = 'dir/a b+c.txt';
    const put = await client.putObject(bucket, key, new OSS.PutObjectRequest({ body: Readable.from([Buffer.from('hello')]) }));
    assert.equal(put.statusCode, 200);
    assert.equal(put.headers.etag, '"5D41402ABC4B2A76B9719D911017C592"');
    const head = await client.headObject(bucket, key, new OSS.HeadObjectRequest({}));
    assert.equal(head.headers['content-length'], '5');
    assert.equal(head.headers['x-oss-object-type'], 'Normal');
    const get = await client.getObject(bucket, key, new OSS.GetObjectRequest({}));
    assert.equal(await Util.default.readAsString(get.body), 'hello');
    assert.equal((await client.deleteObject(bucket, key, new OSS.DeleteObjectRequest({}))).statusCode, 204);
    await assert.rejects(client.getObject(bucket, key, new OSS.GetObjectRequest({})), (error) => error.code === 'NoSuchKey' && error.data.statusCode === 404);
  });

  test('bucket info and location', async () => {
    const info = await client.getBucketInfo(bucket);
    assert.equal(info.body.bucket.name, bucket);
    assert.equal(info.body.bucket.location, 'oss-cn-hangzhou');
    assert.equal((await client.getBucketLocation(bucket)).body.locationConstraint, 'oss-cn-hangzhou');
  });

  test('a wrong secret is SignatureDoesNotMatch', async () => {
    const wrong = new OSS.default(new Config({ ...credentials, accessKeySecret: 'wrong', endpoint: `localhost:${server.port}`, protocol: 'http', regionId: 'cn-hangzhou' }));
    await assert.rejects(wrong.headObject(bucket, 'k', new OSS.HeadObjectRequest({})), (error) => error.data.statusCode === 403);
    await assert.rejects(wrong.getObject(bucket, 'k', new OSS.GetObjectRequest({})), (error) => error.code === 'SignatureDoesNotMatch');
  });
});
