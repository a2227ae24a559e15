// The ali-oss side of `bench/run engine`: the official Node.js SDK copying COUNT objects with CONCURRENCY
// copies in flight, the way a hand-written copy loop would (no HEAD, no verification). Prints one JSON line.
'use strict';
const path = require('node:path');
const OSS = require(path.join(__dirname, '..', 'tests', 'Interop', 'node_modules', 'ali-oss'));

async function main() {
  const [port, sourceBucket, targetBucket, count, concurrency, keyPrefix] = process.argv.slice(2);
  const client = new OSS({
    accessKeyId: 'LTAI5tLocalOssDevKey',
    accessKeySecret: 'LocalOssDevSecret-NotForProduction',
    region: 'oss-cn-hangzhou',
    endpoint: `http://localhost:${port}`,
    sldEnable: true,
    bucket: targetBucket,
    retryMax: 0,
  });
  const total = Number(count);
  let next = 0;
  let failed = 0;
  const started = process.hrtime.bigint();
  async function worker() {
    while (next < total) {
      const i = next++;
      const key = `${keyPrefix}${String(i).padStart(6, '0')}`;
      try {
        await client.copy(`alioss/${key}`, key, sourceBucket);
      } catch {
        failed++;
      }
    }
  }
  await Promise.all(Array.from({ length: Number(concurrency) }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(JSON.stringify({ copies: total - failed, failed, seconds }));
}

main().catch((e) => { console.error(e); process.exit(1); });
