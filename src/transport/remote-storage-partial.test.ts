// Large files through RemoteStorage: a partial file prepared once, chunks written by
// several chunk writers on several connections, each checked at close against the
// sender's hash, recorded, resumed, and committed once.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FileReader } from '../storage/storage.js';
import type { RemoteStorage } from './remote-storage.js';
import { hashOf, KEEP_OWNER, meta, pattern, rejectsWith, startAgent, T1, tempNames, type ServedAgent } from './test-support/served-agent.js';

const CHUNK = 256 * 1024;
const SIZE = 3 * CHUNK + 1000;
const WHOLE = Buffer.concat([pattern(CHUNK, 1), pattern(CHUNK, 2), pattern(CHUNK, 3), pattern(1000, 4)]);
const opts = (identity: string) => ({ size: SIZE, sparse: false, identity, chunkSize: CHUNK });

async function readAll(r: FileReader): Promise<Buffer> {
  const buf = Buffer.alloc(r.size);
  let at = 0;
  while (at < buf.length) {
    const part = Buffer.alloc(Math.min(100_000, buf.length - at));
    const n = await r.read(part, part.length, at);
    if (n === 0) break;
    part.copy(buf, at, 0, n);
    at += n;
  }
  await r.close();
  return buf.subarray(0, at);
}

describe('partial files through RemoteStorage', () => {
  let a: ServedAgent;
  let s: RemoteStorage;
  before(async () => { a = await startAgent(); s = await a.remote({}, { streams: 3 }); });
  after(async () => { s.close(); await a.stop(); });

  test('prepare, chunk writers on several connections, close with hashes, record, resume, commit', async () => {
    fs.writeFileSync(path.join(a.root, 'big'), 'an older version');
    assert.equal((await s.preparePartial('big', opts('v1'))).recorded.size, 0);
    assert.equal(tempNames(a.root).length, 2, 'a partial file and its journal');
    const chunk = (i: number) => WHOLE.subarray(i * CHUNK, Math.min(SIZE, (i + 1) * CHUNK));
    const writers = await Promise.all([0, 1, 2].map(() => s.openPartialWrite('big', { size: SIZE, sparse: false })));
    await Promise.all(writers.map(async (w, i) => {
      for (let off = 0; off < CHUNK; off += 64 * 1024) await w.write(chunk(i).subarray(off, off + 64 * 1024), i * CHUNK + off);
      await w.close(hashOf(chunk(i)));
      await s.recordChunk('big', i, hashOf(chunk(i)));
    }));
    const again = await s.preparePartial('big', opts('v1'));
    assert.deepEqual([...again.recorded].sort(), [0, 1, 2].map((i) => [i, hashOf(chunk(i))]));
    const last = await s.openPartialWrite('big', { size: SIZE, sparse: false });
    await last.write(chunk(3), 3 * CHUNK);
    await last.close(hashOf(chunk(3)));
    await s.recordChunk('big', 3, hashOf(chunk(3)));
    assert.equal(fs.readFileSync(path.join(a.root, 'big'), 'utf8'), 'an older version', 'the final name waits for commit');
    assert.ok((await readAll(await s.openPartialRead('big'))).equals(WHOLE));
    await s.commitPartial('big', meta(0o604, T1), KEEP_OWNER);
    assert.ok(fs.readFileSync(path.join(a.root, 'big')).equals(WHOLE));
    const st = fs.statSync(path.join(a.root, 'big'), { bigint: true });
    assert.deepEqual([Number(st.mode & 0o7777n), st.mtimeNs], [0o604, T1]);
    assert.deepEqual(tempNames(a.root), []);
  });

  test('close and record in one round trip: recorded when the check passes, refused (nothing recorded) when it fails', async () => {
    await s.preparePartial('cr', opts('v1'));
    const chunk = (i: number) => WHOLE.subarray(i * CHUNK, Math.min(SIZE, (i + 1) * CHUNK));
    const good = await s.openPartialWrite('cr', { size: SIZE, sparse: false });
    await good.write(chunk(0), 0);
    const closeAndRecord = good.closeAndRecord?.bind(good);
    assert.ok(closeAndRecord, 'a remote chunk writer closes and records in one step');
    await closeAndRecord(hashOf(chunk(0)), { path: 'cr', index: 0 });
    const bad = await s.openPartialWrite('cr', { size: SIZE, sparse: false });
    await bad.write(pattern(CHUNK, 1), CHUNK);
    await rejectsWith(bad.closeAndRecord?.(hashOf(chunk(1)), { path: 'cr', index: 1 }) ?? Promise.resolve(), 'E_CHECKSUM');
    assert.deepEqual([...(await s.preparePartial('cr', opts('v1'))).recorded], [[0, hashOf(chunk(0))]], 'only the chunk whose check passed is recorded');
    await s.abortPartial('cr');
  });

  test('a chunk whose bytes do not hash to the sent hash is E_CHECKSUM at close; the final name is untouched', async () => {
    await s.preparePartial('c', opts('v1'));
    const w = await s.openPartialWrite('c', { size: SIZE, sparse: false });
    await w.write(pattern(CHUNK, 1), 0);
    await rejectsWith(w.close(hashOf(pattern(CHUNK, 2))), 'E_CHECKSUM');
    const w2 = await s.openPartialWrite('c', { size: SIZE, sparse: false });
    await w2.write(pattern(CHUNK, 1).subarray(CHUNK / 2), CHUNK / 2);
    await w2.write(pattern(CHUNK, 1).subarray(0, CHUNK / 2), 0);
    await rejectsWith(w2.close(hashOf(pattern(CHUNK, 1))), 'E_PROTOCOL', 'a chunk written out of order, then checked');
    assert.equal(fs.existsSync(path.join(a.root, 'c')), false);
    await s.abortPartial('c');
    assert.deepEqual(tempNames(a.root), []);
  });

  test('a byte flipped on the wire in a chunk is caught at its close', async () => {
    const s2 = await a.faultyRemote(['d'], {}, { streams: 1 });
    try {
      await s2.preparePartial('d', opts('v1'));
      const w = await s2.openPartialWrite('d', { size: SIZE, sparse: false });
      await w.write(pattern(CHUNK, 1), 0);
      await rejectsWith(w.close(hashOf(pattern(CHUNK, 1))), 'E_CHECKSUM');
      await s2.abortPartial('d');
    } finally { s2.close(); }
  });

  /** writes chunk `i` of WHOLE through a chunk writer, checked at close, and records it */
  async function putChunk(p: string, i: number): Promise<void> {
    const bytes = WHOLE.subarray(i * CHUNK, Math.min(SIZE, (i + 1) * CHUNK));
    const w = await s.openPartialWrite(p, { size: SIZE, sparse: false });
    await w.write(bytes, i * CHUNK);
    await w.close(hashOf(bytes));
    await s.recordChunk(p, i, hashOf(bytes));
  }

  test('only a chunk whose bytes the agent checked can be recorded', async () => {
    await s.preparePartial('r', opts('v1'));
    await rejectsWith(s.recordChunk('r', 0, hashOf(WHOLE.subarray(0, CHUNK))), 'E_PROTOCOL', 'a chunk never written');
    const w = await s.openPartialWrite('r', { size: SIZE, sparse: false });
    await w.write(WHOLE.subarray(0, CHUNK), 0);
    await w.close();
    await rejectsWith(s.recordChunk('r', 0, hashOf(WHOLE.subarray(0, CHUNK))), 'E_PROTOCOL', 'a chunk closed without its hash');
    assert.equal((await s.preparePartial('r', opts('v1'))).recorded.size, 0);
    await s.abortPartial('r');
  });

  test('a different identity or chunk size starts afresh; abort removes the partial file and its journal', async () => {
    await s.preparePartial('e', opts('v1'));
    await putChunk('e', 0);
    assert.equal((await s.preparePartial('e', opts('v1'))).recorded.size, 1);
    assert.equal((await s.preparePartial('e', opts('v2'))).recorded.size, 0);
    await putChunk('e', 1);
    assert.equal((await s.preparePartial('e', { ...opts('v2'), chunkSize: CHUNK * 2 })).recorded.size, 0);
    await s.abortPartial('e');
    assert.deepEqual(tempNames(a.root), []);
    assert.equal(fs.existsSync(path.join(a.root, 'e')), false);
  });

  test('a resume of a file with thousands of recorded chunks gets them all back', async () => {
    const n = 3000;
    const many = { size: n * 4096, sparse: true, identity: 'huge', chunkSize: 4096 };
    // an earlier run recorded them (through the agent's own storage: quicker than 3,000 calls)
    await a.storage.preparePartial('many', many);
    for (let i = 0; i < n; i++) await a.storage.recordChunk('many', i, hashOf(Buffer.from(String(i)), 'sha256'));
    const p = await s.preparePartial('many', many);
    assert.equal(p.recorded.size, n);
    assert.equal(p.recorded.get(n - 1), hashOf(Buffer.from(String(n - 1)), 'sha256'));
    await s.abortPartial('many');
  });
});
