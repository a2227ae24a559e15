// LocalOss's rate model as ali-oss meets it: the 503 answers OSS gives above its request-rate limits
// (PartitionQpsLimitted for one key prefix, TotalQpsLimitExceeded for the account), started with the command-line
// flags a user would give, then changed through the admin endpoint. Rates are tiny: only the bursts pass.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const OSS = require('ali-oss');
const { startLocalOss } = require('./localoss');
const { variants, clientOptions, bucketName, rejectsWithOss } = require('./support');

let server;
before(async () => {
  server = await startLocalOss(['--rate-prefix', '0.001', '--rate-prefix-burst', '2', '--rate-prefix-length', '4',
    '--latency', '2ms', '--latency-jitter', '1ms']);
});
after(async () => { if (server) await server.stop(); });

test('sequential keys over their prefix rate get 503 PartitionQpsLimitted, other keys and the account rate 503 TotalQpsLimitExceeded', async () => {
  const variant = variants[1]; // V4, IP endpoint
  const bucket = bucketName('throttle', variant);
  await new OSS(clientOptions(server, variant)).putBucket(bucket); // a bucket-level request: no key prefix
  const client = new OSS(clientOptions(server, variant, { bucket }));
  await server.admin('DELETE', 'counters');

  await client.put('seq/0001', Buffer.from('a'));
  await client.put('seq/0002', Buffer.from('b'));
  await rejectsWithOss(client.put('seq/0003', Buffer.from('c')), { status: 503, code: 'PartitionQpsLimitted', ec: '0026-00000028' });
  await client.put('abc/0003', Buffer.from('c')); // another prefix, another partition

  await server.admin('PUT', 'throttling', { accountRequestsPerSecond: 0.001, accountBurst: 1 });
  await client.get('abc/0003');
  await rejectsWithOss(client.get('abc/0003'), {
    status: 503, code: 'TotalQpsLimitExceeded', ec: '0004-00000302', message: 'Max total qps limit is exceeded',
  });

  const counters = await server.admin('GET', 'counters');
  assert.equal(counters.total, 6);
  assert.equal(counters.throttled, 2);
  assert.deepEqual(counters.throttledCodes, { PartitionQpsLimitted: 1, TotalQpsLimitExceeded: 1 });
  await server.admin('DELETE', 'throttling');
  assert.equal((await client.get('seq/0001')).content.toString(), 'a');
});
