// Which xattrs -A and -X carry (rsync's meaning on Linux), and what it takes to make a
// destination's carried ones the source's without touching the others.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { carriedSet, carriesXattr, leftBehind, sameXattrs, xattrChanges, xattrKindsOf } from './xattrs.js';

const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);
const ALL = { acls: true, xattrs: true };

test('-A carries the two ACL xattrs, -X every other name but system.*', () => {
  const acls = { acls: true, xattrs: false };
  const xattrs = { acls: false, xattrs: true };
  assert.ok(carriesXattr('system.posix_acl_access', acls) && carriesXattr('system.posix_acl_default', acls));
  assert.ok(!carriesXattr('user.a', acls));
  assert.ok(!carriesXattr('system.posix_acl_access', xattrs));
  for (const n of ['user.a', 'security.capability', 'trusted.x']) assert.ok(carriesXattr(n, xattrs), n);
  for (const n of ['system.data', 'system.nfs4_acl']) assert.ok(!carriesXattr(n, ALL), n);
  assert.ok(leftBehind('user.a', acls) && !leftBehind('system.data', acls) && !leftBehind('system.posix_acl_access', acls));
  assert.equal(xattrKindsOf({ acls: false, xattrs: false }, true), undefined);
  // not root: user.* only, as rsync -X
  const mine = xattrKindsOf({ acls: true, xattrs: true }, false);
  assert.ok(mine && carriesXattr('user.a', mine) && carriesXattr('system.posix_acl_access', mine));
  assert.ok(mine && !carriesXattr('security.capability', mine) && !carriesXattr('trusted.x', mine));
  assert.ok(mine && leftBehind('security.capability', mine));
});

test('a carried set keeps its kinds; equal sets compare equal, byte for byte', () => {
  const s = carriedSet({ 'user.b': bytes(1), 'system.data': bytes(9), 'user.a': bytes(0, 255) }, ALL);
  assert.deepEqual(Object.keys(s.values), ['user.a', 'user.b']);
  assert.ok(sameXattrs(s, carriedSet({ 'user.a': bytes(0, 255), 'user.b': bytes(1) }, ALL)));
  assert.ok(!sameXattrs(s, carriedSet({ 'user.a': bytes(0, 254), 'user.b': bytes(1) }, ALL)));
  assert.ok(!sameXattrs(s, carriedSet({ 'user.a': bytes(0, 255) }, ALL)));
  assert.ok(sameXattrs(carriedSet({}, ALL), undefined));
});

test('changes: what differs is set, carried names the source lacks are removed, the rest is left', () => {
  const want = carriedSet({ 'system.posix_acl_access': bytes(2), 'user.same': bytes(1) }, { acls: true, xattrs: false });
  const have = { 'system.posix_acl_access': bytes(3), 'system.posix_acl_default': bytes(4), 'user.same': bytes(7), 'system.data': bytes(5) };
  const c = xattrChanges(have, want);
  assert.deepEqual(c.remove, ['system.posix_acl_default']);
  assert.deepEqual(c.set.map(([n]) => n), ['system.posix_acl_access']);
});
