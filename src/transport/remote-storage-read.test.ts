// Reading through RemoteStorage: a listing longer than one reply frame comes back whole,
// stat and entries keep every field, reads return the bytes at the offsets asked, and a
// range hashed on the agent equals the hash of its bytes.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PosixStorage } from '../storage/posix/posix-storage.js';
import type { RemoteStorage } from './remote-storage.js';
import { hashes, memoryTempDir, pattern, rejectsWith, startAgent, type ServedAgent } from './test-support/served-agent.js';

describe('reads through RemoteStorage', () => {
  let a: ServedAgent;
  let s: RemoteStorage;
  // in memory where possible: making 12,000 files on a busy disk takes seconds
  before(async () => { a = await startAgent({ top: memoryTempDir() }); s = await a.remote({ write: false }); });
  after(async () => { s.close(); await a.stop(); });

  test('features: the four a WELCOME carries as the served storage has them, the others those of a posix agent', () => {
    const served = a.storage.features;
    assert.deepEqual(s.features, {
      hardlinks: served.hardlinks, sparse: served.sparse, owner: served.owner, mtimeResolutionNs: served.mtimeResolutionNs,
      symlinks: true, posixMeta: true, staging: false, checksSentHash: true,
    });
  });

  test('a directory of 12,000 long names, more than one reply frame holds, lists complete', async () => {
    const dir = path.join(a.root, 'wide');
    fs.mkdirSync(dir);
    const names = new Set<string>();
    for (let i = 0; i < 12_000; i++) {
      const name = `${String(i).padStart(5, '0')}-${'n'.repeat(180)}-ü`;
      names.add(name);
      fs.closeSync(fs.openSync(path.join(dir, name), 'w'));
    }
    const c = await a.open({ write: false });
    let parts: number;
    try {
      const reply = await c.callParts('list', { path: 'wide' });
      parts = reply.length;
      assert.ok(parts > 1, `the listing came in ${parts} frame(s); it must need several`);
      assert.deepEqual(reply.map((p) => p.meta.more), [...Array.from({ length: parts - 1 }, () => true), false]);
    } finally { c.close(); }
    const listed = await s.list('wide');
    assert.equal(listed.length, 12_000);
    assert.deepEqual(new Set(listed.map((e) => e.name)), names);
    assert.ok(listed.every((e) => e.type === 'file' && e.size === 0));
  });

  test('an empty directory lists as one empty reply', async () => {
    fs.mkdirSync(path.join(a.root, 'empty'));
    assert.deepEqual(await s.list('empty'), []);
  });

  test('entries over the wire equal those the agent lists itself, field for field', async () => {
    const dir = path.join(a.root, 'kinds');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'f'), 'twelve bytes');
    fs.linkSync(path.join(dir, 'f'), path.join(dir, 'f2'));
    fs.symlinkSync('f', path.join(dir, 'l'));
    fs.mkdirSync(path.join(dir, 'sub'));
    const local = new PosixStorage(a.root);
    const byName = <T extends { name: string }>(xs: T[]): T[] => [...xs].sort((x, y) => x.name.localeCompare(y.name));
    assert.deepEqual(byName(await s.list('kinds')), byName(await local.list('kinds')));
    assert.deepEqual(await s.stat('kinds/l'), await local.stat('kinds/l'));
    assert.deepEqual(await s.stat('kinds/f'), await local.stat('kinds/f'));
    assert.equal(await s.stat('kinds/missing'), undefined);
    await rejectsWith(s.list('kinds/missing'), 'E_NOT_FOUND');
  });

  test('reads return the bytes at the offsets asked, the size and identity; a missing file is E_NOT_FOUND', async () => {
    const bytes = pattern(5 * 1024 * 1024 + 17, 3);
    fs.writeFileSync(path.join(a.root, 'data.bin'), bytes);
    const r = await s.openRead('data.bin');
    try {
      assert.equal(r.size, bytes.length);
      const buf = Buffer.alloc(1000);
      assert.equal(await r.read(buf, 1000, 4_000_000), 1000);
      assert.ok(buf.equals(bytes.subarray(4_000_000, 4_001_000)));
      assert.equal(await r.read(buf, 1000, bytes.length - 10), 10);
      assert.equal(await r.read(buf, 1000, bytes.length), 0);
      const big = Buffer.alloc(8 * 1024 * 1024);
      const n = await r.read(big, big.length, 0);
      assert.ok(n > 0 && n <= 4 * 1024 * 1024, `one read returns at most 4 MiB (${n})`);
      assert.ok(big.subarray(0, n).equals(bytes.subarray(0, n)));
      const id = await r.identity();
      assert.equal(id.size, bytes.length);
      assert.equal(id.mtimeNs, fs.statSync(path.join(a.root, 'data.bin'), { bigint: true }).mtimeNs);
    } finally { await r.close(); }
    await rejectsWith(s.openRead('nope.bin'), 'E_NOT_FOUND');
  });
});

describe('hashing on the agent (the hash call)', () => {
  let a: ServedAgent;
  let s: RemoteStorage;
  const STEP = 64 * 1024;
  before(async () => { a = await startAgent({ top: memoryTempDir(), hashStepBytes: STEP }); s = await a.remote({ write: false }); });
  after(async () => { s.close(); await a.stop(); });

  const local = (name: string, bytes: Buffer): string => {
    const h = hashes(name);
    assert.ok(h);
    h.update(bytes);
    return h.digest();
  };

  test('a range hashed on the agent, in several steps, equals the hash of its bytes here', async () => {
    const bytes = pattern(5 * STEP + 7, 11);
    fs.writeFileSync(path.join(a.root, 'hashed.bin'), bytes);
    const r = await s.openRead('hashed.bin');
    try {
      assert.equal(typeof r.hashRange, 'function', 'a remote reader hashes where the file is');
      assert.equal(await r.hashRange?.('xxh3', 0, bytes.length, false), local('xxh3', bytes));
      assert.equal(await r.hashRange?.('sha256', 1000, 2 * STEP, true), local('sha256', bytes.subarray(1000, 1000 + 2 * STEP)));
      assert.equal(await r.hashRange?.('md5', 3, 0, false), local('md5', Buffer.alloc(0)));
      // a checkpoint that throws stops a hash between steps; the handle's next hash starts afresh
      let steps = 0;
      const stop = (): void => { if (++steps === 2) throw new Error('stopped here'); };
      await assert.rejects(r.hashRange?.('xxh3', 0, bytes.length, false, stop) ?? Promise.resolve(), /stopped here/);
      assert.equal(steps, 2);
      assert.equal(await r.hashRange?.('xxh3', 0, bytes.length, false), local('xxh3', bytes));
      // the handle still reads after its hashes
      const buf = Buffer.alloc(10);
      assert.equal(await r.read(buf, 10, 5), 10);
      assert.ok(buf.equals(bytes.subarray(5, 15)));
    } finally { await r.close(); }
  });

  test('a file that shrank while hashed is E_CHANGED; the next hash of the handle starts afresh', async () => {
    const file = path.join(a.root, 'shrinks.bin');
    fs.writeFileSync(file, pattern(4 * STEP, 12));
    const r = await s.openRead('shrinks.bin');
    try {
      fs.truncateSync(file, STEP);
      await rejectsWith(r.hashRange?.('xxh3', 0, 4 * STEP, false) ?? Promise.resolve(), 'E_CHANGED');
      assert.equal(await r.hashRange?.('xxh3', 0, STEP, false), local('xxh3', pattern(4 * STEP, 12).subarray(0, STEP)));
    } finally { await r.close(); }
  });

  test('a hash call out of turn, or of an unknown hash, is E_PROTOCOL; a new first call replaces an unfinished hash', async () => {
    fs.writeFileSync(path.join(a.root, 'turn.bin'), pattern(3 * STEP, 13));
    const c = await a.open({ write: false });
    try {
      const handle = (await c.call('open-read', { path: 'turn.bin' })).meta.handle;
      await rejectsWith(c.call('hash', { handle }), 'E_PROTOCOL', 'a step with no hash started');
      await rejectsWith(c.call('hash', { handle, hash: 'crc7', offset: 0, length: 10, drop: false }), 'E_PROTOCOL', 'an unknown hash');
      const first = (await c.call('hash', { handle, hash: 'xxh3', offset: 0, length: 3 * STEP, drop: false })).meta;
      assert.deepEqual(first, { next: STEP, digest: null });
      const again = (await c.call('hash', { handle, hash: 'xxh3', offset: 0, length: 10, drop: false })).meta;
      assert.equal(again.next, 10, 'a new first call replaces the unfinished hash');
      assert.equal(again.digest, local('xxh3', pattern(3 * STEP, 13).subarray(0, 10)));
    } finally { c.close(); }
  });
});
