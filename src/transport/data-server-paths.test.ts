// Paths a peer names in its calls: '..', absolute paths, non-plain paths and symlinks that
// lead out of the endpoint are E_PATH_ESCAPE for reads and writes alike, and nothing
// outside the endpoint is read or touched; a read-only session writes nothing at all.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ErrorCode } from '../core/errors.js';
import type { DataConnection } from './data-connection.js';
import type { Meta } from './frame-codec.js';
import { hashOf, KEEP_OWNER, meta, rejectsWith, show, snapshot, startAgent, type ServedAgent } from './test-support/served-agent.js';

/** every call that takes a path, with the fields it needs besides */
function callsOn(p: string): [string, Meta, Buffer?][] {
  const m = meta(0o644);
  return [
    ['stat', { path: p }], ['list', { path: p }], ['open-read', { path: p }], ['open-partial-read', { path: p }],
    ['mkdir', { path: p }], ['rmdir', { path: p }], ['remove', { path: p }],
    ['setmeta', { path: p, type: 'file', meta: m, choice: KEEP_OWNER }],
    ['setmeta', { path: p, type: 'dir', meta: { ...m, mode: 0o777 }, choice: KEEP_OWNER }],
    ['symlink', { path: p, target: 'anything', meta: m, choice: KEEP_OWNER }],
    ['link', { existing: 'a', path: p }], ['link', { existing: p, path: 'stolen' }],
    ['open-write', { path: p, size: 1, sparse: false, replaces: true, hash: 'xxh3' }],
    ['open-write', { path: p, size: 1, sparse: false, replaces: false, hash: 'xxh3' }],
    ['write-whole', { path: p, hash: 'xxh3', sentHash: hashOf(Buffer.from('x')), meta: m, choice: KEEP_OWNER }, Buffer.from('x')],
    ['prepare-partial', { path: p, size: 10, sparse: false, identity: 'i', chunkSize: 5 }],
    ['open-partial-write', { path: p, size: 10, sparse: false, hash: 'xxh3' }],
    ['record-chunk', { path: p, index: 0, hash: 'ab' }],
    ['commit-partial', { path: p, meta: m, choice: KEEP_OWNER }],
    ['abort-partial', { path: p }],
  ];
}

const READS = new Set(['stat', 'list', 'open-read', 'open-partial-read']);

async function allRefused(c: DataConnection, paths: string[], code: ErrorCode, only: (op: string) => boolean = () => true): Promise<number> {
  let n = 0;
  for (const p of paths) {
    for (const [op, m, data] of callsOn(p).filter(([o]) => only(o))) {
      // record-chunk of a chunk this agent never checked is refused before storage is asked
      await rejectsWith(c.call(op, m, data), op === 'record-chunk' ? [code, 'E_PROTOCOL'] : code, `${op} ${show(m)}`);
      n++;
    }
  }
  return n;
}

describe('call paths', () => {
  let a: ServedAgent;
  let c: DataConnection;
  before(async () => {
    a = await startAgent();
    fs.writeFileSync(path.join(a.root, 'a'), 'a file');
    fs.mkdirSync(path.join(a.root, 'inner'));
    fs.writeFileSync(path.join(a.root, 'inner/f'), 'inner file');
    fs.symlinkSync(a.outside, path.join(a.root, 'link'));
    fs.symlinkSync('../outside', path.join(a.root, 'rel-link'));
    fs.symlinkSync(path.join(a.outside, 'sentinel'), path.join(a.root, 'flink'));
    c = await a.open();
  });
  after(async () => { c.close(); await a.stop(); });

  test("'..', absolute and non-plain paths are E_PATH_ESCAPE for every call; nothing changes anywhere", async () => {
    const before = snapshot(a.top);
    const n = await allRefused(c, [
      '..', '../outside/sentinel', 'inner/../../outside/sentinel', 'inner/..', '/etc/passwd', path.join(a.outside, 'sentinel'), '/',
      'inner//f', './a', 'inner/./f', '.', 'inner/', 'a\0b', '../root/a',
    ], 'E_PATH_ESCAPE');
    assert.ok(n > 250, `${n} calls`);
    assert.deepEqual(snapshot(a.top), before);
    assert.deepEqual((await c.call('ping', {})).meta, {}, 'the session goes on after refused calls');
  });

  test('a path through a symlink to outside the root is E_PATH_ESCAPE for reads and writes; nothing outside is touched', async () => {
    const before = snapshot(a.top);
    // names that exist out there, and names that do not (yet): no call may tell them apart
    await allRefused(c, ['link/sentinel', 'link/dir', 'rel-link/sentinel', 'rel-link/dir', 'link/newname', 'rel-link/dir/deeper'], 'E_PATH_ESCAPE');
    await rejectsWith(c.call('open-read', { path: 'flink' }), 'E_PATH_ESCAPE', 'open-read of a symlink to a file outside');
    assert.deepEqual(snapshot(a.top), before);
  });

  test('the symlinks themselves may be looked at (lstat), not followed', async () => {
    const st = (await c.call('stat', { path: 'link' })).meta.entry as { type: string; linkTarget: string };
    assert.deepEqual([st.type, st.linkTarget], ['symlink', a.outside]);
  });

  test('a session whose path is a symlink out of the root reads and writes nothing there', async () => {
    const before = snapshot(a.top);
    const s = await a.open({ path: 'link' });
    try {
      assert.equal(s.welcome.base, 'symlink');
      for (const [op, m] of [['list', { path: '' }], ['stat', { path: 'sentinel' }], ['open-read', { path: 'sentinel' }], ['mkdir', { path: 'x' }],
        ['open-write', { path: 'x', size: 1, sparse: false, replaces: true, hash: 'xxh3' }], ['remove', { path: 'sentinel' }]] as [string, Meta][]) {
        await rejectsWith(s.call(op, m), 'E_PATH_ESCAPE', `${op} in a session at a symlink`);
      }
      await rejectsWith(s.call('mkbase', {}), 'E_EXISTS', 'mkbase over a symlink');
    } finally { s.close(); }
    await rejectsWith(a.open({ path: 'link/dir' }), 'E_PATH_ESCAPE', 'a session below a symlink out');
    await rejectsWith(a.open({ path: 'rel-link/dir', write: false }), 'E_PATH_ESCAPE', 'a read session below a relative symlink out');
    assert.deepEqual(snapshot(a.top), before);
  });

  test('paths are taken below the session path', async () => {
    const s = await a.open({ path: 'inner' });
    try {
      assert.equal(((await s.call('stat', { path: 'f' })).meta.entry as { size: number }).size, 'inner file'.length);
      assert.equal((await s.call('stat', { path: 'a' })).meta.entry, null, "the root's 'a' is not visible from 'inner'");
      await rejectsWith(s.call('stat', { path: '../a' }), 'E_PATH_ESCAPE');
    } finally { s.close(); }
  });
});

describe('read-only sessions', () => {
  let a: ServedAgent;
  before(async () => {
    a = await startAgent();
    fs.writeFileSync(path.join(a.root, 'a'), 'a file');
    fs.mkdirSync(path.join(a.root, 'd'));
  });
  after(() => a.stop());

  test('every call that writes is E_READ_ONLY and changes nothing, on a writable endpoint too', async () => {
    const before = snapshot(a.top);
    const c = await a.open({ write: false });
    try {
      const writes = callsOn('new').filter(([op]) => !READS.has(op));
      for (const [op, m, data] of [...writes, ...callsOn('a').filter(([op]) => writes.some(([w]) => w === op)), ['mkbase', {}] as [string, Meta]]) {
        await rejectsWith(c.call(op, m, data), 'E_READ_ONLY', `${op} ${show(m)}`);
      }
      for (const op of ['commit', 'abort', 'readback']) await rejectsWith(c.call(op, { handle: 1 }), 'E_PROTOCOL', `${op} of a handle never opened`);
      await rejectsWith(c.write(1, 0, Buffer.from('x')).then(() => c.call('close', { handle: 1 })), 'E_PROTOCOL', 'a WRITE to no handle');
    } finally { c.close(); }
    assert.deepEqual(snapshot(a.top), before);
  });

  test('reads work in a read-only session', async () => {
    const c = await a.open({ write: false });
    try {
      const names = (await c.callParts('list', { path: '' })).flatMap((p) => (JSON.parse(p.data.toString()) as { name: string }[]).map((e) => e.name));
      assert.deepEqual(names.sort(), ['a', 'd']);
      const r = (await c.call('open-read', { path: 'a' })).meta;
      const got = await c.call('read', { handle: r.handle, offset: 2, length: 100 });
      assert.equal(got.data.toString(), 'file');
      assert.equal((await c.call('identity', { handle: r.handle })).meta.size, 6);
      await c.call('close', { handle: r.handle });
      await rejectsWith(c.call('read', { handle: r.handle, offset: 0, length: 1 }), 'E_PROTOCOL', 'a read of a closed handle');
    } finally { c.close(); }
  });
});

// found with these tests, fixed in src/storage/posix/posix-storage.ts (ddd09f2)
describe('symlink swaps and metadata through links (posix storage)', () => {
  let a: ServedAgent;
  let c: DataConnection;
  before(async () => { a = await startAgent(); c = await a.open(); });
  after(async () => { c.close(); await a.stop(); });

  test('setmeta on a symlink the peer made does not change the file it points to outside the root', async () => {
    const sentinel = path.join(a.outside, 'sentinel');
    const before = snapshot(a.outside);
    await c.call('symlink', { path: 'evil', target: sentinel, meta: meta(0o777), choice: KEEP_OWNER });
    try { await c.call('setmeta', { path: 'evil', type: 'file', meta: meta(0o777), choice: KEEP_OWNER }); } catch { /* refusing is fine */ }
    assert.equal(fs.statSync(sentinel).mode & 0o777, 0o600, 'mode of the file outside');
    assert.deepEqual(snapshot(a.outside), before);
  });

  test('a listing below a symlink out of the root does not tell whether a name exists outside', async () => {
    fs.symlinkSync(a.outside, path.join(a.root, 'peek'));
    const codes: string[] = [];
    for (const p of ['peek/dir', 'peek/no-such-dir']) {
      try { await c.call('list', { path: p }); codes.push('listed'); } catch (e) { codes.push((e as { code: string }).code); }
    }
    assert.deepEqual(codes, ['E_PATH_ESCAPE', 'E_PATH_ESCAPE']);
  });

  test('a directory the peer swaps for a symlink after using it does not lead later writes outside', async () => {
    const before = snapshot(a.outside);
    await c.call('mkdir', { path: 'd' });
    await c.call('write-whole', { path: 'd/first', hash: 'xxh3', sentHash: hashOf(Buffer.from('1')), meta: meta(0o644), choice: KEEP_OWNER }, Buffer.from('1'));
    await c.call('remove', { path: 'd' });
    await c.call('symlink', { path: 'd', target: a.outside, meta: meta(0o777), choice: KEEP_OWNER });
    try {
      const h = (await c.call('open-write', { path: 'd/planted', size: 1, sparse: false, replaces: true, hash: 'xxh3' })).meta.handle as number;
      await c.write(h, 0, Buffer.from('p'));
      await c.call('commit', { handle: h, meta: meta(0o644), choice: KEEP_OWNER, sentHash: hashOf(Buffer.from('p')) });
    } catch { /* refusing is fine */ }
    try { await c.call('write-whole', { path: 'd/planted2', hash: 'xxh3', sentHash: hashOf(Buffer.from('2')), meta: meta(0o644), choice: KEEP_OWNER }, Buffer.from('2')); } catch { /* fine */ }
    assert.deepEqual(snapshot(a.outside), before);
  });
});
