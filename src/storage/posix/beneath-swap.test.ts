// Issue 25: a directory below the root swapped for a symlink to a place outside it
// (mv d d.moved; ln -s /outside d) after barge has used it. Every write, read, stat, list,
// mkdir, remove and setMeta below it must be refused with E_PATH_ESCAPE, and nothing may
// be read from or written to the outside directory: its contents are checked with node:fs.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { forceWalkForTests } from './beneath.js';
import { posixKind, type PosixEndpoint } from './posix-kind.js';
import { PosixStorage } from './posix-storage.js';

const SECRET = 'TOP-SECRET-outside-bytes-0123456789';
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-beneath-'));
after(() => fs.rmSync(work, { recursive: true, force: true }));

const M = { mode: 0o600, uid: 0, gid: 0, mtimeNs: 1_700_000_000_000_000_000n };
const KEEP = { owner: false };

/** a snapshot of a directory tree: names, modes, sizes, bytes, mtimes */
function snapshot(dir: string): string {
  const out: string[] = [];
  const walk = (d: string, pre: string): void => {
    for (const n of fs.readdirSync(d).sort()) {
      const p = path.join(d, n);
      const st = fs.lstatSync(p, { bigint: true });
      out.push(`${pre}${n} ${st.mode} ${st.size} ${st.mtimeNs} ${st.uid}:${st.gid}`);
      if (st.isDirectory()) walk(p, `${pre}${n}/`);
      else if (st.isFile()) out.push(fs.readFileSync(p, 'latin1'));
    }
  };
  walk(dir, '');
  return out.join('\n');
}

function hasSecret(v: unknown): boolean {
  if (v === undefined) return false;
  const s = Buffer.isBuffer(v) ? v.toString('latin1') : String(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? String(x) : x)));
  return s.includes(SECRET) || s.includes('TOP-SECRET');
}

let n = 0;
function setup(): { root: string; outside: string } {
  const base = path.join(work, `case-${n++}`);
  const root = path.join(base, 'root');
  const outside = path.join(base, 'outside');
  fs.mkdirSync(root, { recursive: true });
  fs.mkdirSync(path.join(outside, 'emptydir'), { recursive: true });
  fs.writeFileSync(path.join(outside, 'secret'), SECRET, { mode: 0o644 });
  return { root, outside };
}

/** every operation on paths below `sub`; each must fail E_PATH_ESCAPE */
function operations(s: PosixStorage, buf: Buffer): [string, () => Promise<unknown>][] {
  return [
    ['writeWhole', () => s.writeWhole('sub/x', Buffer.from('new'), M, KEEP)],
    ['openWrite+commit', async () => { const w = await s.openWrite('sub/y', { size: 3, sparse: false }); await w.write(Buffer.from('new'), 0); await w.commit(M, KEEP); }],
    ['openWrite replacing', async () => { const w = await s.openWrite('sub/secret', { size: 3, sparse: false, replaces: true }); await w.write(Buffer.from('new'), 0); await w.commit(M, KEEP); }],
    ['writeMany', () => s.writeMany('sub', [{ name: 'z', offset: 0, length: 3, meta: M }], Buffer.from('new'), KEEP)],
    ['mkdir', () => s.mkdir('sub/d')],
    ['symlink', () => s.symlink('sub/l', '/etc/passwd', M, KEEP)],
    ['link into', () => s.link('sub.moved/a', 'sub/h')],
    ['link from', () => s.link('sub/secret', 'h2')],
    ['remove file', () => s.remove('sub/secret')],
    ['remove dir', () => s.remove('sub/emptydir')],
    ['removeEmptyDir', () => s.removeEmptyDir('sub/emptydir')],
    ['setMeta file', () => s.setMeta('sub/secret', 'file', { ...M, mode: 0o777 }, KEEP)],
    ['setMeta dir', () => s.setMeta('sub/emptydir', 'dir', { ...M, mode: 0o777 }, KEEP)],
    ['preparePartial', () => s.preparePartial('sub/p', { size: 10, sparse: false, identity: 'i', chunkSize: 4 })],
    ['openPartialWrite', () => s.openPartialWrite('sub/p', { size: 10, sparse: false })],
    ['recordChunk', () => s.recordChunk('sub/p', 0, 'ab')],
    ['commitPartial', () => s.commitPartial('sub/secret', M, KEEP)],
    ['abortPartial', () => s.abortPartial('sub/secret')],
    ['openRead', async () => { const r = await s.openRead('sub/secret'); const n = await r.read(buf, 100, 0); await r.close(); return buf.subarray(0, n); }],
    ['openPartialRead', () => s.openPartialRead('sub/secret')],
    ['readWhole', async () => { const r = await s.readWhole('sub/secret', buf); return buf.subarray(0, r.length); }],
    ['readMany', async () => { await s.readMany('sub', [{ name: 'secret', size: SECRET.length }], buf); return buf; }],
    ['stat', () => s.stat('sub/secret')],
    ['stat deeper', () => s.stat('sub/emptydir/x')],
    ['list', () => s.list('sub')],
    ['list deeper', () => s.list('sub/emptydir')],
  ];
}

for (const walk of [false, true]) {
  for (const confineReads of [false, true]) {
    const how = `${walk ? 'openat walk' : 'openat2'}, ${confineReads ? 'as an agent serves it' : 'as a local sync opens it'}`;
    test(`a directory swapped for a symlink out of the root: every operation below it is E_PATH_ESCAPE and the outside is untouched (${how})`, async () => {
      forceWalkForTests(walk);
      try {
        const { root, outside } = setup();
        const s = new PosixStorage(root, { confineReads });
        // barge has used sub: a parent checked once would be remembered
        await s.mkdir('sub');
        assert.equal(await s.writeWhole('sub/a', Buffer.from('aaa'), M, KEEP), true);
        await s.stat('sub/a');
        await s.list('sub');
        // the swap
        fs.renameSync(path.join(root, 'sub'), path.join(root, 'sub.moved'));
        fs.symlinkSync(outside, path.join(root, 'sub'));
        const before = snapshot(outside);
        const buf = Buffer.alloc(1 << 16);
        for (const [what, op] of operations(s, buf)) {
          buf.fill(0);
          let result: unknown;
          await assert.rejects(async () => { result = await op(); }, (e: Error & { code?: string }) => {
            assert.equal(e.code, 'E_PATH_ESCAPE', `${what}: ${e.message}`);
            return true;
          }, `${what} must be refused`);
          assert.ok(!hasSecret(result) && !hasSecret(buf), `${what}: no byte of the outside secret in any result`);
          assert.equal(snapshot(outside), before, `${what}: the outside directory is unchanged`);
        }
        // the directory as it was, under its new name, is still there and whole
        assert.deepEqual(fs.readdirSync(path.join(root, 'sub.moved')), ['a']);
        assert.equal(fs.readlinkSync(path.join(root, 'sub')), outside);
      } finally {
        forceWalkForTests(false);
      }
    });
  }
}

test('a directory swapped while a file is being written in it: the commit lands in the directory as it was opened, never outside', async () => {
  const { root, outside } = setup();
  const s = new PosixStorage(root);
  await s.mkdir('sub');
  const before = snapshot(outside);
  // an unnamed O_TMPFILE file linked in at commit, and a temporary name renamed at commit
  const writers = [await s.openWrite('sub/wn', { size: 5, sparse: false, replaces: false }), await s.openWrite('sub/wr', { size: 5, sparse: false, replaces: true })];
  for (const w of writers) await w.write(Buffer.from('hello'), 0);
  fs.renameSync(path.join(root, 'sub'), path.join(root, 'sub.moved'));
  fs.symlinkSync(outside, path.join(root, 'sub'));
  for (const w of writers) await w.commit(M, KEEP);
  assert.equal(snapshot(outside), before);
  assert.deepEqual(fs.readdirSync(path.join(root, 'sub.moved')).sort(), ['wn', 'wr']);
});

test('a symlink anywhere on the way is refused; a symlink as the last part is stat-ed and listed as a symlink, not followed', async () => {
  const { root, outside } = setup();
  fs.mkdirSync(path.join(root, 'a', 'b'), { recursive: true });
  fs.symlinkSync(outside, path.join(root, 'a', 'b', 'l'));
  const s = new PosixStorage(root);
  assert.equal((await s.stat('a/b/l'))?.type, 'symlink');
  await assert.rejects(() => s.stat('a/b/l/secret'), { code: 'E_PATH_ESCAPE' });
  await assert.rejects(() => s.list('a/b/l'), { code: 'E_PATH_ESCAPE' });
  await assert.rejects(() => s.writeWhole('a/b/l/new', Buffer.from('x'), M, KEEP), { code: 'E_PATH_ESCAPE' });
  // a missing directory is still not found, and says nothing about any place outside
  await assert.rejects(() => s.list('a/nope'), { code: 'E_NOT_FOUND' });
  assert.equal(await s.stat('a/nope/x'), undefined);
  assert.deepEqual(fs.readdirSync(outside).sort(), ['emptydir', 'secret']);
});

test('".." as the last part is refused before anything is touched', async () => {
  const { root } = setup();
  const s = new PosixStorage(root);
  await s.mkdir('d');
  const parent = snapshot(path.dirname(root));
  for (const rel of ['..', 'd/..', '.', 'd/.', '/x', 'd/']) {
    await assert.rejects(() => s.remove(rel), { code: 'E_PATH_ESCAPE' }, rel);
    await assert.rejects(() => s.setMeta(rel, 'dir', { ...M, mode: 0o777 }, KEEP), { code: 'E_PATH_ESCAPE' }, rel);
    await assert.rejects(() => s.stat(rel), { code: 'E_PATH_ESCAPE' }, rel);
    await assert.rejects(() => s.writeWhole(rel, Buffer.from('x'), M, KEEP), { code: 'E_PATH_ESCAPE' }, rel);
  }
  assert.equal(snapshot(path.dirname(root)), parent);
});

test('a storage rooted below its endpoint (a job at endpoint/sub): the directories between are resolved beneath the endpoint too, so a swap of sub itself is refused', async () => {
  const { root, outside } = setup();
  fs.mkdirSync(path.join(root, 'sub', 'in'), { recursive: true });
  const endpoint: PosixEndpoint = { kind: 'posix', path: root };
  const below = posixKind.below(endpoint, 'sub');
  assert.equal(below.path, path.join(root, 'sub'));
  const s = posixKind.open(below, { forAgent: true });
  assert.ok(s instanceof PosixStorage);
  await s.writeMany?.('in', [{ name: 'f', offset: 0, length: 3, meta: M }], Buffer.from('abc'), KEEP);
  assert.equal((await s.stat('in/f'))?.size, 3);
  assert.equal((await s.stat(''))?.type, 'dir');
  fs.renameSync(path.join(root, 'sub'), path.join(root, 'sub.moved'));
  fs.mkdirSync(path.join(outside, 'in'));
  fs.symlinkSync(outside, path.join(root, 'sub'));
  const before = snapshot(outside);
  await assert.rejects(() => s.writeWhole('x', Buffer.from('new'), M, KEEP), { code: 'E_PATH_ESCAPE' });
  await assert.rejects(() => s.writeMany('in', [{ name: 'g', offset: 0, length: 3, meta: M }], Buffer.from('abc'), KEEP), { code: 'E_PATH_ESCAPE' });
  await assert.rejects(() => s.mkdir('d'), { code: 'E_PATH_ESCAPE' });
  await assert.rejects(() => s.readWhole('secret', Buffer.alloc(100)), { code: 'E_PATH_ESCAPE' });
  await assert.rejects(() => s.list(''), { code: 'E_PATH_ESCAPE' });
  await assert.rejects(() => s.stat('secret'), { code: 'E_PATH_ESCAPE' });
  // the root's own last part is opened O_NOFOLLOW | O_DIRECTORY: a symlink there is "not a directory"
  await assert.rejects(() => s.setMeta('', 'dir', { ...M, mode: 0o777 }, KEEP), (e: Error & { code?: string }) => e.code === 'E_PATH_ESCAPE' || e.code === 'E_NOT_FOUND');
  assert.equal(snapshot(outside), before);
});
