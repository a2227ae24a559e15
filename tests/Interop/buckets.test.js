// Bucket operations through ali-oss: create with storage class, redundancy and ACL; info, location, stat, ACL,
// versioning, retention (WORM) and delete; and OSS bucket features LocalOss does not have, which answer a
// clear 501 NotImplemented instead of another operation's body.
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
    before(() => { admin = new OSS(clientOptions(server, variant)); });

    test('putBucket with options; getBucketInfo, getBucketLocation, getBucketStat; deleteBucket', async () => {
      const bucket = bucketName('bucket', variant);
      const created = await admin.putBucket(bucket, { StorageClass: 'IA', DataRedundancyType: 'ZRS', acl: 'public-read' });
      assert.equal(created.bucket, bucket);
      const info = (await admin.getBucketInfo(bucket)).bucket;
      assert.equal(info.Name, bucket);
      assert.equal(info.StorageClass, 'IA');
      assert.equal(info.DataRedundancyType, 'ZRS');
      assert.equal(info.AccessControlList.Grant, 'public-read');
      assert.equal(info.Location, 'oss-cn-hangzhou');
      assert.equal(info.ExtranetEndpoint, 'oss-cn-hangzhou.aliyuncs.com');
      assert.equal(info.IntranetEndpoint, 'oss-cn-hangzhou-internal.aliyuncs.com');
      assert.equal((await admin.getBucketLocation(bucket)).location, 'oss-cn-hangzhou');

      const client = new OSS(clientOptions(server, variant, { bucket }));
      await client.put('a', Buffer.from('12345'));
      assert.equal((await client.head('a')).res.headers['x-oss-storage-class'], 'IA', 'objects take the bucket class');
      const stat = (await admin.getBucketStat(bucket)).stat;
      assert.equal(stat.ObjectCount, '1');
      assert.equal(stat.Storage, '5');
      assert.equal(stat.InfrequentAccessObjectCount, '1');

      await rejectsWithOss(admin.putBucket(bucket), { status: 409, code: 'BucketAlreadyExists', ec: '0015-00000104' });
      await rejectsWithOss(admin.deleteBucket(bucket), { status: 409, code: 'BucketNotEmpty', ec: '0015-00000301' });
      await client.delete('a');
      assert.equal((await admin.deleteBucket(bucket)).res.status, 204);
      await rejectsWithOss(admin.getBucketInfo(bucket), { status: 404, code: 'NoSuchBucket', ec: '0015-00000101' });
    });

    test('retention (WORM): initiate, get, abort, then initiate, complete and extend', async () => {
      const bucket = bucketName('worm', variant);
      await admin.putBucket(bucket);
      const first = await admin.initiateBucketWorm(bucket, '1');
      assert.match(first.wormId, /^[0-9A-F]{32}$/);
      const worm = await admin.getBucketWorm(bucket);
      assert.equal(worm.state, 'InProgress');
      assert.equal(worm.days, '1');
      await admin.abortBucketWorm(bucket);
      await rejectsWithOss(admin.getBucketWorm(bucket), { status: 404, code: 'NoSuchWORMConfiguration' });
      const second = await admin.initiateBucketWorm(bucket, '1');
      await admin.completeBucketWorm(bucket, second.wormId);
      await admin.extendBucketWorm(bucket, second.wormId, '2');
      const locked = await admin.getBucketWorm(bucket);
      assert.deepEqual([locked.state, locked.days], ['Locked', '2']);
      const client = new OSS(clientOptions(server, variant, { bucket }));
      await client.put('kept', Buffer.from('v1'));
      const immutable = await rejectsWithOss(client.put('kept', Buffer.from('v2')), { status: 409, code: 'FileImmutable' });
      assert.equal(immutable.message, 'The object you specified is immutable.');
    });

    test('bucket features LocalOss does not have answer 501 NotImplemented', async () => {
      const bucket = bucketName('configs', variant);
      await admin.putBucket(bucket);
      const calls = [
        () => admin.putBucketLifecycle(bucket, [{ id: 'r1', prefix: 'logs/', status: 'Enabled', days: 1 }]),
        () => admin.getBucketLifecycle(bucket),
        () => admin.putBucketCORS(bucket, [{ allowedOrigin: '*', allowedMethod: 'GET' }]),
        () => admin.getBucketCORS(bucket),
        () => admin.getBucketReferer(bucket),
        () => admin.getBucketWebsite(bucket),
        () => admin.putBucketTags(bucket, { a: '1' }),
        () => admin.getBucketEncryption(bucket),
      ];
      for (const call of calls) {
        const error = await rejectsWithOss(call(), { status: 501, code: 'NotImplemented' });
        assert.match(error.message, /LocalOss does not implement this OSS feature/);
      }
      // getBucketPolicy resolves whatever the status (policy null unless 200): it sees the 501 as no policy.
      const policy = await admin.getBucketPolicy(bucket);
      assert.deepEqual([policy.status, policy.policy], [501, null]);
      // Nothing fell through to another operation: the bucket is still there and empty.
      assert.equal((await admin.getBucketInfo(bucket)).bucket.Name, bucket);
      const client = new OSS(clientOptions(server, variant, { bucket }));
      await client.put('image.png', Buffer.from('not really an image'));
      await rejectsWithOss(client.get('image.png', { process: 'image/resize,w_200' }), { status: 501, code: 'NotImplemented' });
      await rejectsWithOss(client.getStream('image.png', { process: 'image/resize,w_200' }), { status: 501, code: 'NotImplemented' });
      // processObjectSave resolves whatever the status.
      assert.equal((await client.processObjectSave('image.png', 'thumb.png', 'image/resize,w_100')).status, 501);
      assert.equal((await client.get('image.png')).content.toString(), 'not really an image');
    });
  });
}
