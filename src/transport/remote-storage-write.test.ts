// Whole files written through RemoteStorage into a real agent: a file lands complete,
// with its metadata, only when the bytes that arrived hash to what the sender read;
// otherwise nothing is left at its name or under a temporary one.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BargeError } from '../core/errors.js';
import type { RemoteStorage } from './remote-storage.js';
import { eventually, hashOf, KEEP_OWNER, meta, pattern, rejectsWith, startAgent, T1, tempNames, type ServedAgent } from './test-support/served-agent.js';

const MIB = 1024 * 1024;

describe('whole-file writes through RemoteStorage', () => {
  let a: ServedAgent;
  let s: RemoteStorage;
  before(async () => { a = await startAgent(); s = await a.remote(); });
  after(async () => { s.close(); await a.stop(); });

  function lst(rel: string): fs.BigIntStats {
    return fs.lstatSync(path.join(a.root, rel), { bigint: true });
  }

  test('openWrite, writes, commit with the right hash: the file lands with its bytes, mode and ns mtime', async () => {
    await s.mkdir('dir');
    const bytes = pattern(3 * MIB + 123, 5);
    const w = await s.openWrite('dir/file.bin', { size: bytes.length, sparse: false });
    assert.equal(fs.existsSync(path.join(a.root, 'dir/file.bin')), false);
    for (let off = 0; off < bytes.length; off += 256 * 1024) await w.write(bytes.subarray(off, off + 256 * 1024), off);
    assert.equal(fs.existsSync(path.join(a.root, 'dir/file.bin')), false, 'not under its name before commit');
    await w.commit(meta(0o640, T1 + 1n), KEEP_OWNER, hashOf(bytes));
    assert.ok(fs.readFileSync(path.join(a.root, 'dir/file.bin')).equals(bytes));
    const st = lst('dir/file.bin');
    assert.equal(Number(st.mode & 0o7777n), 0o640);
    assert.equal(st.mtimeNs, T1 + 1n);
    assert.deepEqual(tempNames(a.root), []);
    const e = await s.stat('dir/file.bin');
    assert.deepEqual([e?.type, e?.size, e?.mtimeNs], ['file', bytes.length, T1 + 1n]);
  });

  test('sha256 as the session hash works the same', async () => {
    const s2 = await a.remote({}, { hash: 'sha256', streams: 1 });
    try {
      const bytes = pattern(70_000, 9);
      const w = await s2.openWrite('sha.bin', { size: bytes.length, sparse: false });
      await w.write(bytes, 0);
      await rejectsWith(w.commit(meta(0o644), KEEP_OWNER, hashOf(bytes, 'xxh3')), 'E_CHECKSUM', 'an xxh3 digest in a sha256 session');
      const w2 = await s2.openWrite('sha.bin', { size: bytes.length, sparse: false });
      await w2.write(bytes, 0);
      await w2.commit(meta(0o644), KEEP_OWNER, hashOf(bytes, 'sha256'));
      assert.ok(fs.readFileSync(path.join(a.root, 'sha.bin')).equals(bytes));
    } finally { s2.close(); }
  });

  test('a wrong sentHash is E_CHECKSUM: nothing at the final name, no temporary file, an older file kept', async () => {
    const bytes = pattern(100_000, 2);
    for (const replaces of [true, false]) {
      const name = `bad-${String(replaces)}.bin`;
      const w = await s.openWrite(name, { size: bytes.length, sparse: false, replaces });
      await w.write(bytes, 0);
      if (replaces) assert.equal(tempNames(a.root).length, 1, 'a temporary file while writing');
      const e = await rejectsWith(w.commit(meta(0o644), KEEP_OWNER, hashOf(Buffer.from('other bytes'))), 'E_CHECKSUM');
      assert.equal(e.retryable, true);
      assert.equal(fs.existsSync(path.join(a.root, name)), false);
      assert.deepEqual(tempNames(a.root), []);
    }
    fs.writeFileSync(path.join(a.root, 'older'), 'the older version');
    const w = await s.openWrite('older', { size: bytes.length, sparse: false });
    await w.write(bytes, 0);
    await rejectsWith(w.commit(meta(0o644), KEEP_OWNER, 'ffffffffffffffff'), 'E_CHECKSUM');
    assert.equal(fs.readFileSync(path.join(a.root, 'older'), 'utf8'), 'the older version');
    assert.deepEqual(tempNames(a.root), []);
  });

  test('a byte flipped on the wire is caught at commit (E_CHECKSUM), the retry lands', async () => {
    const s2 = await a.faultyRemote(['flipped.bin'], {}, { streams: 1 });
    try {
      const bytes = pattern(50_000, 4);
      const w = await s2.openWrite('flipped.bin', { size: bytes.length, sparse: false });
      await w.write(bytes, 0);
      await rejectsWith(w.commit(meta(0o644), KEEP_OWNER, hashOf(bytes)), 'E_CHECKSUM');
      assert.equal(fs.existsSync(path.join(a.root, 'flipped.bin')), false);
      const again = await s2.openWrite('flipped.bin', { size: bytes.length, sparse: false });
      await again.write(bytes, 0);
      await again.commit(meta(0o644), KEEP_OWNER, hashOf(bytes));
      assert.ok(fs.readFileSync(path.join(a.root, 'flipped.bin')).equals(bytes));
    } finally { s2.close(); }
  });

  test('writes out of order cannot be checked: E_PROTOCOL with a sentHash, nothing lands', async () => {
    const bytes = pattern(20_000, 6);
    const w = await s.openWrite('shuffled', { size: bytes.length, sparse: false });
    await w.write(bytes.subarray(10_000), 10_000);
    await w.write(bytes.subarray(0, 10_000), 0);
    await rejectsWith(w.commit(meta(0o644), KEEP_OWNER, hashOf(bytes)), 'E_PROTOCOL');
    assert.equal(fs.existsSync(path.join(a.root, 'shuffled')), false);
    assert.deepEqual(tempNames(a.root), []);
  });

  test("a commit without the sender's hash, or before every byte arrived, is refused and lands nothing", async () => {
    const c = await a.open();
    try {
      for (const [what, bytes, commitMeta] of [
        ['no sentHash', Buffer.from('0123456789'), {}],
        ['half the bytes', Buffer.from('01234'), { sentHash: hashOf(Buffer.from('01234')) }],
      ] as [string, Buffer, Record<string, string>][]) {
        const h = (await c.call('open-write', { path: 'unchecked', size: 10, sparse: false, replaces: true, hash: 'xxh3' })).meta.handle as number;
        await c.write(h, 0, bytes);
        await rejectsWith(c.call('commit', { handle: h, meta: meta(0o644), choice: KEEP_OWNER, ...commitMeta }), 'E_PROTOCOL', what);
        assert.equal(fs.existsSync(path.join(a.root, 'unchecked')), false, what);
        assert.deepEqual(tempNames(a.root), [], what);
      }
    } finally { c.close(); }
  });

  test('readBack reads what was written before commit; abort leaves nothing', async () => {
    const bytes = pattern(10_000, 8);
    const w = await s.openWrite('aborted', { size: bytes.length, sparse: false });
    await w.write(bytes, 0);
    const r = await w.readBack();
    const buf = Buffer.alloc(bytes.length);
    assert.equal(await r.read(buf, buf.length, 0), bytes.length);
    assert.ok(buf.equals(bytes));
    await r.close();
    await w.abort();
    assert.equal(fs.existsSync(path.join(a.root, 'aborted')), false);
    assert.deepEqual(tempNames(a.root), []);
  });

  test('writeWhole lands a small file in one call; a wrong hash is E_CHECKSUM and leaves nothing; a taken name says false', async () => {
    const bytes = Buffer.from('small file contents\n');
    assert.equal(await s.writeWhole?.('small.txt', bytes, meta(0o600, T1), KEEP_OWNER, hashOf(bytes)), true);
    assert.ok(fs.readFileSync(path.join(a.root, 'small.txt')).equals(bytes));
    assert.deepEqual([Number(lst('small.txt').mode & 0o7777n), lst('small.txt').mtimeNs], [0o600, T1]);
    await rejectsWith(s.writeWhole?.('small2.txt', bytes, meta(0o600), KEEP_OWNER, hashOf(Buffer.from('else'))) ?? Promise.resolve(), 'E_CHECKSUM');
    assert.equal(fs.existsSync(path.join(a.root, 'small2.txt')), false);
    assert.equal(await s.writeWhole?.('small.txt', Buffer.from('new'), meta(0o600), KEEP_OWNER, hashOf(Buffer.from('new'))), false, 'the name is taken');
    assert.ok(fs.readFileSync(path.join(a.root, 'small.txt')).equals(bytes));
    assert.deepEqual(tempNames(a.root), []);
  });

  test('an unknown hash name is E_PROTOCOL when the writer is opened', async () => {
    const c = await a.open();
    try {
      await rejectsWith(c.call('open-write', { path: 'h', size: 1, sparse: false, replaces: true, hash: 'crc32' }), 'E_PROTOCOL');
      await rejectsWith(c.call('open-write', { path: 'h', size: 1, sparse: false, replaces: true, hash: 'constructor' }), 'E_PROTOCOL');
    } finally { c.close(); }
    assert.deepEqual(tempNames(a.root), []);
  });

  test('a write that fails on the receiver fails the next write of its handle, and its commit, with the same error', async () => {
    const s1 = await a.remote({}, { streams: 1 });
    try {
      const w = await s1.openWrite('too-far', { size: 10, sparse: false });
      // an offset no file system takes: the receiver's pwrite fails (EFBIG)
      await w.write(Buffer.from('x'), 2 ** 53 - 2);
      await s1.stat(''); // a round trip on the same connection: the FAIL for the WRITE is in by now
      let first: BargeError | undefined;
      try { await w.write(Buffer.from('y'), 0); } catch (e) { first = e as BargeError; }
      assert.ok(first instanceof BargeError, 'the next write fails at once');
      assert.notEqual(first.code, 'E_NETWORK');
      await rejectsWith(w.commit(meta(0o644), KEEP_OWNER, hashOf(Buffer.from('x'))), first.code, 'commit');
      assert.equal(fs.existsSync(path.join(a.root, 'too-far')), false);
      assert.deepEqual(tempNames(a.root), []);
    } finally { s1.close(); }
  });
});

describe('connections that go away mid-file', () => {
  let a: ServedAgent;
  before(async () => { a = await startAgent(); });
  after(() => a.stop());

  test('a client that disconnects mid-file leaves no temporary file (the server aborts open whole-file writers)', async () => {
    const s = await a.remote({}, { streams: 1 });
    const w = await s.openWrite('half.bin', { size: 2 * MIB, sparse: false, replaces: true });
    await w.write(pattern(MIB), 0);
    await s.stat('');
    assert.equal(tempNames(a.root).length, 1, 'the temporary file exists while the file is in flight');
    s.close();
    assert.ok(await eventually(() => tempNames(a.root).length === 0 && a.server.connections === 0), `left: ${tempNames(a.root).join(', ')}`);
    assert.equal(fs.existsSync(path.join(a.root, 'half.bin')), false);
  });

  test('a partial large file stays for a resume when its client disconnects mid-chunk', async () => {
    const s = await a.remote({}, { streams: 1 });
    await s.preparePartial('big', { size: 4 * MIB, sparse: false, identity: 'v1', chunkSize: MIB });
    const w = await s.openPartialWrite('big', { size: 4 * MIB, sparse: false });
    await w.write(pattern(MIB, 3), 0);
    await s.stat('');
    s.close();
    assert.ok(await eventually(() => a.server.connections === 0));
    const s2 = await a.remote();
    try {
      const p = await s2.preparePartial('big', { size: 4 * MIB, sparse: false, identity: 'v1', chunkSize: MIB });
      assert.equal(p.recorded.size, 0);
      const r = await s2.openPartialRead('big');
      const buf = Buffer.alloc(MIB);
      await r.read(buf, MIB, 0);
      await r.close();
      assert.ok(buf.equals(pattern(MIB, 3)), 'the bytes written before the disconnect are still there');
      await s2.abortPartial('big');
    } finally { s2.close(); }
  });

  test('close() of the server resolves only once the sessions in flight have removed their temporary files', async () => {
    const s = await a.remote({}, { streams: 1 });
    const w = await s.openWrite('in-flight.bin', { size: MIB, sparse: false, replaces: true });
    await w.write(pattern(1000), 0);
    await s.stat('');
    assert.equal(tempNames(a.root).length, 1);
    await a.server.close();
    assert.deepEqual(tempNames(a.root), [], 'nothing left when close() resolves');
    s.close();
  });
});
