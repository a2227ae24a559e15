// ali-oss client shapes a local user may configure: IP endpoint, path style (sldEnable), virtual-hosted
// localhost, internal endpoints, cname (a custom domain bound to a bucket), STS credentials and the request
// timeout, each against LocalOss, V1 and V4 where signing matters. (A scheme-less endpoint with a port,
// 'localhost:9000', is refused by ali-oss itself: "Endpoint protocol must be http or https.")
'use strict';
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const OSS = require('ali-oss');
const { startLocalOss } = require('./localoss');
const { credentials, clientOptions, bucketName, rejectsWithOss } = require('./support');

const sts = { accessKeyId: 'STS.LocalOssTemporaryKey', accessKeySecret: 'temporary-secret', stsToken: 'CAIS-local-security-token' };
const customDomain = 'static.example.test';
const cnameBucket = 'cname-bound-bucket';

// Resolves every host name to 127.0.0.1, as /etc/hosts or a DNS entry would for bucket.localhost or a custom domain.
const loopbackAgent = () => new http.Agent({
  lookup: (hostname, options, callback) => (options && options.all
    ? callback(null, [{ address: '127.0.0.1', family: 4 }])
    : callback(null, '127.0.0.1', 4)),
});

let server;
before(async () => {
  server = await startLocalOss([
    '--account', `${credentials.accessKeyId}:${credentials.accessKeySecret}`,
    '--account', `${sts.accessKeyId}:${sts.accessKeySecret}:${sts.stsToken}`,
    '--cname', `${customDomain}=${cnameBucket}`,
    '--bucket', cnameBucket,
  ]);
});
after(async () => { if (server) await server.stop(); });

for (const v4 of [false, true]) {
  const sig = v4 ? 'V4' : 'V1';

  describe(`listBuckets through an IP endpoint (${sig})`, () => {
    test('the service-level request (Host: .oss-cn-hangzhou.aliyuncs.com) lists and pages buckets', async () => {
      const admin = new OSS(clientOptions(server, { ip: true, v4 }));
      const prefix = bucketName('lb', { ip: true, v4 });
      for (const suffix of ['a', 'b', 'c']) await admin.putBucket(`${prefix}-${suffix}`);
      const first = await admin.listBuckets({ prefix, 'max-keys': 2 });
      assert.deepEqual(first.buckets.map((b) => b.name), [`${prefix}-a`, `${prefix}-b`]);
      assert.equal(first.isTruncated, true);
      assert.equal(first.nextMarker, `${prefix}-b`);
      assert.equal(first.buckets[0].region, 'oss-cn-hangzhou');
      assert.match(first.owner.id, /^\d+$/);
      const rest = await admin.listBuckets({ prefix, marker: first.nextMarker, 'max-keys': 2 });
      assert.deepEqual(rest.buckets.map((b) => b.name), [`${prefix}-c`]);
      assert.equal(rest.isTruncated, false);
      const all = await admin.listBuckets();
      assert.ok(all.buckets.some((b) => b.name === cnameBucket));
      // Bucket tags are not implemented: no bucket has one, so a tag filter matches none.
      assert.equal((await admin.listBuckets({ 'tag-key': 'team', 'tag-value': 'x' })).buckets, null);
    });
  });

  describe(`STS credentials (${sig})`, () => {
    for (const ip of [true, false]) {
      test(`stsToken requests succeed and a missing or wrong token is InvalidSecurityToken (${ip ? 'IP endpoint' : 'path style'})`, async () => {
        const options = clientOptions(server, { ip, v4 }, { ...sts });
        const bucket = bucketName('sts', { ip, v4 });
        await new OSS(options).putBucket(bucket);
        const client = new OSS({ ...options, bucket });
        await client.put('k.txt', Buffer.from('temporary'));
        assert.equal((await client.get('k.txt')).content.toString(), 'temporary');

        const noToken = new OSS({ ...options, bucket, stsToken: undefined });
        const missing = await rejectsWithOss(noToken.get('k.txt'), { status: 403, code: 'InvalidSecurityToken', ec: '0002-00000003' });
        assert.match(missing.message, /security token/);
        await rejectsWithOss(new OSS({ ...options, bucket, stsToken: 'forged' }).get('k.txt'),
          { status: 403, code: 'InvalidSecurityToken', ec: '0002-00000008' });
        // HEAD answers carry no body: ali-oss reads the error from x-oss-err.
        await rejectsWithOss(noToken.head('k.txt'), { status: 403, code: 'InvalidSecurityToken' });

        if (!ip) {
          // Presigned URLs carry the token as security-token (V1) or x-oss-security-token (V4).
          const url = v4 ? await client.signatureUrlV4('GET', 60, {}, 'k.txt') : client.signatureUrl('k.txt', { expires: 60 });
          assert.match(url, v4 ? /x-oss-security-token=CAIS-local-security-token/ : /security-token=CAIS-local-security-token/);
          const response = await fetch(url);
          assert.equal(response.status, 200);
          assert.equal(await response.text(), 'temporary');
        }
      });
    }
  });

  describe(`endpoint shapes (${sig})`, () => {
    test('localhost without sldEnable is virtual-hosted: Host {bucket}.localhost', async () => {
      // ali-oss puts the bucket in the host name; where *.localhost resolves (systemd-resolved, a hosts entry)
      // LocalOss takes the bucket from it. The agent plays that resolver here.
      const bucket = bucketName('vhost', { ip: false, v4 });
      const options = clientOptions(server, { ip: false, v4 }, { sldEnable: false, agent: loopbackAgent() });
      await new OSS(options).putBucket(bucket);
      const client = new OSS({ ...options, bucket });
      const put = await client.put('dir/k.txt', Buffer.from('virtual'));
      assert.ok(put.url.startsWith(`http://${bucket}.localhost:${server.port}/dir/k.txt`));
      assert.equal((await client.get('dir/k.txt')).content.toString(), 'virtual');
      assert.deepEqual((await client.list({ prefix: 'dir/' })).objects.map((o) => o.name), ['dir/k.txt']);
    });

    test('internal:true with an IP endpoint (Host: {bucket}.oss-cn-hangzhou-internal.aliyuncs.com)', async () => {
      const bucket = bucketName('internal', { ip: true, v4 });
      const options = clientOptions(server, { ip: true, v4 }, { internal: true });
      await new OSS(options).putBucket(bucket);
      const client = new OSS({ ...options, bucket });
      await client.put('k', Buffer.from('inside'));
      assert.equal((await client.get('k')).content.toString(), 'inside');
      assert.equal((await client.getBucketLocation(bucket)).location, 'oss-cn-hangzhou');
    });

    test('cname:true addresses the bucket bound to the custom domain (--cname HOST=BUCKET)', async () => {
      const client = new OSS({ ...credentials, authorizationV4: v4, region: 'oss-cn-hangzhou', cname: true, bucket: cnameBucket,
        endpoint: `http://${customDomain}:${server.port}`, agent: loopbackAgent(), retryMax: 0 });
      const key = `cname/${sig}/a b+c.txt`;
      const put = await client.put(key, Buffer.from('through the custom domain'));
      assert.ok(put.url.startsWith(`http://${customDomain}:${server.port}/cname/`));
      assert.equal((await client.get(key)).content.toString(), 'through the custom domain');
      const head = await client.head(key);
      assert.equal(head.res.headers['content-length'], '25');
      assert.ok((await client.list({ prefix: `cname/${sig}/` })).objects.some((o) => o.name === key));
      // The presigned URL of a cname client is on the custom domain too; fetch it through the same resolver.
      const url = v4 ? await client.signatureUrlV4('GET', 60, {}, key) : client.signatureUrl(key, { expires: 60 });
      const body = await new Promise((resolve, reject) => {
        http.get(url, { agent: loopbackAgent() }, (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => resolve(`${res.statusCode} ${Buffer.concat(chunks)}`));
        }).on('error', reject);
      });
      assert.equal(body, '200 through the custom domain');
    });

    test('cname:true with an IP endpoint still names the bucket in the Host header', async () => {
      const client = new OSS(clientOptions(server, { ip: true, v4 }, { cname: true, bucket: cnameBucket }));
      await client.put(`cname-ip/${sig}`, Buffer.from('ip'));
      assert.equal((await client.get(`cname-ip/${sig}`)).content.toString(), 'ip');
    });

    test('a bucket addressed through another region\'s endpoint is AccessDenied', async () => {
      const bucket = bucketName('region', { ip: true, v4 });
      await new OSS(clientOptions(server, { ip: true, v4 })).putBucket(bucket);
      const elsewhere = new OSS(clientOptions(server, { ip: true, v4 }, { region: 'oss-cn-shanghai', bucket }));
      const error = await rejectsWithOss(elsewhere.get('k'), { status: 403, code: 'AccessDenied' });
      assert.match(error.message, /must be addressed using the specified endpoint/);
    });
  });
}

describe('timeout', () => {
  test('a response slower than the timeout option is ResponseTimeoutError (LocalOss latency fault)', async () => {
    const bucket = bucketName('timeout');
    const options = clientOptions(server, { ip: false, v4: true });
    await new OSS(options).putBucket(bucket);
    const client = new OSS({ ...options, bucket, timeout: 300 });
    await client.put('slow', Buffer.from('x'));
    await server.admin('PUT', 'faults', { seed: 1, rules: [{ operation: 'GetObject', kind: 'Latency', latencyMilliseconds: 1500 }] });
    try {
      await assert.rejects(client.get('slow'), (error) => error.name === 'ResponseTimeoutError');
    } finally {
      await server.admin('DELETE', 'faults');
    }
    assert.equal((await client.get('slow')).content.toString(), 'x');
  });
});

describe('faults (LocalOss admin endpoint) as ali-oss sees them', () => {
  test('retryMax retries a dropped connection; a 503 SlowDown is an error object, also for HEAD', async () => {
    const bucket = bucketName('faults');
    const options = clientOptions(server, { ip: true, v4: true });
    await new OSS(options).putBucket(bucket);
    const client = new OSS({ ...options, bucket });
    await client.put('k', Buffer.from('survives'));
    try {
      await server.admin('PUT', 'faults', { seed: 3, rules: [{ operation: 'GetObject', kind: 'DropConnection', count: 1 }] });
      const retrying = new OSS({ ...options, bucket, retryMax: 2 });
      assert.equal((await retrying.get('k')).content.toString(), 'survives');
      await server.admin('PUT', 'faults', { seed: 3, rules: [{ operation: 'PutObject', kind: 'SlowDown', count: 1 }, { operation: 'HeadObject', kind: 'SlowDown', count: 1 }] });
      await rejectsWithOss(client.put('k', Buffer.from('x')), { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' });
      await rejectsWithOss(client.head('k'), { status: 503, code: 'SlowDown' });
      const counters = await server.admin('GET', 'counters');
      assert.ok(counters.operations.GetObject >= 2);
    } finally {
      await server.admin('DELETE', 'faults');
    }
    assert.equal((await client.get('k')).content.toString(), 'survives');
  });
});
