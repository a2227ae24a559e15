// Shared by the interop suites: the development account, the four client shapes (V1/V4 × IP endpoint/path
// style) and an assertion for OSS error objects as ali-oss builds them (lib/client.js requestError).
'use strict';
const assert = require('node:assert/strict');

const credentials = { accessKeyId: 'LTAI5tLocalOssDevKey', accessKeySecret: 'LocalOssDevSecret-NotForProduction' };

const variants = [
  { name: 'V1, IP endpoint', ip: true, v4: false },
  { name: 'V4, IP endpoint', ip: true, v4: true },
  { name: 'V1, path style', ip: false, v4: false },
  { name: 'V4, path style', ip: false, v4: true },
];

/** ali-oss options for a variant: an IP endpoint (Host: {bucket}.oss-{region}.aliyuncs.com) or localhost + sldEnable. */
function clientOptions(server, variant, extra = {}) {
  return {
    ...credentials,
    region: 'oss-cn-hangzhou',
    authorizationV4: variant.v4,
    endpoint: variant.ip ? `http://127.0.0.1:${server.port}` : `http://localhost:${server.port}`,
    sldEnable: !variant.ip,
    retryMax: 0,
    ...extra,
  };
}

/** A bucket name unique to this run, valid for OSS (3–63 lower-case letters, digits and dashes). */
function bucketName(prefix, variant) {
  const tag = variant ? `${variant.ip ? 'ip' : 'sld'}-${variant.v4 ? 'v4' : 'v1'}` : 'x';
  return `${prefix}-${tag}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`.slice(0, 63);
}

/**
 * Asserts that `promise` rejects with the OSS error ali-oss makes of LocalOss's answer: status, code, and
 * (for answers with an XML body) the request id, host id and EC that ali-oss copies from it.
 */
async function rejectsWithOss(promise, { status, code, ec, message, body = true }) {
  let error;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  assert.ok(error, `expected ${code} (${status}), but the call succeeded`);
  assert.equal(error.status, status, `status of ${error.code}: ${error.message}`);
  assert.equal(error.code, code, error.message);
  assert.match(error.requestId, /^[0-9A-F]{24}$/);
  if (body) {
    assert.equal(typeof error.hostId, 'string');
    assert.ok(error.hostId.length > 0);
    assert.match(error.ecCode, /^\d{4}-\d{8}$/);
  }
  if (ec) assert.equal(error.ecCode, ec);
  if (message) assert.equal(error.message, message);
  return error;
}

module.exports = { credentials, variants, clientOptions, bucketName, rejectsWithOss };
