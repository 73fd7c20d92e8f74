// Checked reads of a peer's frame meta, and the session path of a HELLO: every bad field is
// E_PROTOCOL naming the field; '..' and NUL in a session path are E_PATH_ESCAPE.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BargeError, type ErrorCode } from '../core/errors.js';
import type { Meta } from './frame-codec.js';
import * as f from './meta-fields.js';
import { normalizeSessionPath } from './session-path.js';

function refused(fn: () => unknown, code: ErrorCode, what: string, field?: string): void {
  assert.throws(fn, (e: unknown) => e instanceof BargeError && e.code === code && (field === undefined || e.message.includes(`'${field}'`)), what);
}

const entry: Meta = { name: 'a', type: 'file', size: 3, mtimeNs: 5n, mode: 0o644, uid: 1, gid: 2, dev: 3, ino: 2 ** 60, nlink: 1, allocated: 4096 };

describe('meta fields', () => {
  test('strings, booleans and non-negative safe integers are read; anything else is refused by name', () => {
    assert.equal(f.str({ path: 'x' }, 'path'), 'x');
    assert.equal(f.uint({ n: 2 ** 53 - 1 }, 'n'), 2 ** 53 - 1);
    assert.equal(f.bool({ b: false }, 'b'), false);
    assert.equal(f.optStr({}, 'p'), undefined);
    assert.equal(f.optBool({}, 'p'), undefined);
    for (const v of [5, null, undefined, {}, ['x'], 1n]) refused(() => f.str({ path: v }, 'path'), 'E_PROTOCOL', `str ${typeof v}`, 'path');
    for (const v of [-1, 1.5, 2 ** 53, NaN, Infinity, '1', 1n, null, true]) refused(() => f.uint({ n: v }, 'n'), 'E_PROTOCOL', `uint ${String(v)}`, 'n');
    for (const v of [0, 'true', null]) refused(() => f.bool({ b: v }, 'b'), 'E_PROTOCOL', `bool ${String(v)}`, 'b');
    refused(() => f.optStr({ p: 1 }, 'p'), 'E_PROTOCOL', 'optStr of a number', 'p');
  });

  test('entry metadata needs a bigint mtime; a choice needs owner and may have fsync', () => {
    assert.deepEqual(f.entryMeta({ meta: { mode: 1, uid: 2, gid: 3, mtimeNs: -4n } }, 'meta'), { mode: 1, uid: 2, gid: 3, mtimeNs: -4n });
    refused(() => f.entryMeta({ meta: { mode: 1, uid: 2, gid: 3, mtimeNs: 4 } }, 'meta'), 'E_PROTOCOL', 'mtime as a number', 'mtimeNs');
    refused(() => f.entryMeta({ meta: [] }, 'meta'), 'E_PROTOCOL', 'meta as a list', 'meta');
    refused(() => f.entryMeta({}, 'meta'), 'E_PROTOCOL', 'no meta', 'meta');
    assert.deepEqual(f.metaChoice({ c: { owner: true } }, 'c'), { owner: true });
    assert.deepEqual(f.metaChoice({ c: { owner: false, fsync: true } }, 'c'), { owner: false, fsync: true });
    refused(() => f.metaChoice({ c: { owner: 'yes' } }, 'c'), 'E_PROTOCOL', 'owner as a string', 'owner');
  });

  test('xattrs travel as base64 in JSON and come back byte for byte; bad names and values are refused', () => {
    const set = { kinds: { acls: true, xattrs: false }, values: { 'user.bin': new Uint8Array([0, 255, 1]), 'system.posix_acl_access': new Uint8Array([]) } };
    const sent = JSON.parse(JSON.stringify(f.wireMeta({ mode: 1, uid: 2, gid: 3, mtimeNs: 0n, xattrs: set }), (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))) as Meta;
    assert.deepEqual(sent['xattrs'], { kinds: { acls: true, xattrs: false }, values: { 'user.bin': 'AP8B', 'system.posix_acl_access': '' } });
    const back = f.entryMeta({ meta: { ...sent, mtimeNs: 0n } }, 'meta').xattrs;
    assert.deepEqual(back?.kinds, set.kinds);
    assert.deepEqual([...(back?.values['user.bin'] ?? [])], [0, 255, 1]);
    assert.equal(back?.values['system.posix_acl_access']?.length, 0);
    const meta = (xattrs: unknown): Meta => ({ meta: { mode: 1, uid: 2, gid: 3, mtimeNs: 0n, xattrs } });
    refused(() => f.entryMeta(meta({ kinds: { acls: true, xattrs: true }, values: { 'user.x': 'not base64!' } }), 'meta'), 'E_PROTOCOL', 'bad base64', 'xattrs.values');
    refused(() => f.entryMeta(meta({ kinds: { acls: true, xattrs: true }, values: { 'user.x': 5 } }), 'meta'), 'E_PROTOCOL', 'a number', 'xattrs.values');
    refused(() => f.entryMeta(meta({ kinds: { acls: true, xattrs: true }, values: { ['user.' + 'x'.repeat(251)]: '' } }), 'meta'), 'E_PROTOCOL', 'a long name', 'xattrs.values');
    refused(() => f.entryMeta(meta({ kinds: { acls: 1, xattrs: true }, values: {} }), 'meta'), 'E_PROTOCOL', 'kinds', 'acls');
    refused(() => f.entryMeta(meta({ values: {} }), 'meta'), 'E_PROTOCOL', 'no kinds', 'kinds');
    assert.deepEqual(f.listOptions({ xattrs: { acls: false, xattrs: true }, markXattrs: true }), { xattrs: { acls: false, xattrs: true }, markXattrs: true });
    assert.deepEqual(f.listOptions({}), {});
    // an entry without the xattrs asked for comes from an agent older than -A / -X
    const plain = f.entry(entry);
    refused(() => f.withXattrs(plain, { xattrs: { acls: true, xattrs: false } }, 'd'), 'E_UNSUPPORTED', 'an older agent');
    assert.equal(f.withXattrs(plain, {}, 'd'), plain);
    const got = f.entry({ ...entry, xattrs: { kinds: { acls: true, xattrs: false }, values: {} } });
    assert.equal(f.withXattrs(got, { xattrs: { acls: true, xattrs: false } }, 'd'), got);
  });

  test('entries are checked field by field', () => {
    assert.deepEqual(f.entries([entry, { ...entry, name: 'l', type: 'symlink', linkTarget: '/t' }], 'entries').map((e) => e.name), ['a', 'l']);
    assert.equal(f.entry({ ...entry, type: 'symlink', linkTarget: '/t' }).linkTarget, '/t');
    refused(() => f.entries({}, 'entries'), 'E_PROTOCOL', 'not a list', 'entries');
    refused(() => f.entries([null], 'entries'), 'E_PROTOCOL', 'a null entry', 'entries');
    refused(() => f.entries([{ ...entry, type: 'door' }], 'entries'), 'E_PROTOCOL', 'unknown type', 'type');
    refused(() => f.entries([{ ...entry, size: -1 }], 'entries'), 'E_PROTOCOL', 'negative size', 'size');
    refused(() => f.entries([{ ...entry, mtimeNs: '5' }], 'entries'), 'E_PROTOCOL', 'mtime as text', 'mtimeNs');
    refused(() => f.entries([{ ...entry, linkTarget: 7 }], 'entries'), 'E_PROTOCOL', 'link target as a number', 'linkTarget');
  });
});

describe('session path', () => {
  test('is normalised: no empty or "." parts, no leading or trailing slash', () => {
    assert.equal(normalizeSessionPath(''), '');
    assert.equal(normalizeSessionPath('/'), '');
    assert.equal(normalizeSessionPath('/runs//42/./out/'), 'runs/42/out');
    assert.equal(normalizeSessionPath('a..b/..c'), 'a..b/..c');
  });

  test("'..' anywhere and NUL are refused, never resolved", () => {
    for (const p of ['..', '../x', 'a/..', 'a/../b', '/..', 'a/b/../../..']) refused(() => normalizeSessionPath(p), 'E_PATH_ESCAPE', p);
    refused(() => normalizeSessionPath('a\0b'), 'E_PATH_ESCAPE', 'NUL');
  });
});
