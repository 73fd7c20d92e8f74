// Large files whose chunks have equal bytes (zeros, a repeated block) through RemoteStorage
// to a real agent over TCP: every chunk is checked at its close and recorded once, even
// when equal chunks are closed on several connections before any is recorded, and a
// check still vouches only for the chunk it was made on: a chunk never written, or
// written at another place, cannot be recorded.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ChunkWriter } from '../storage/storage.js';
import type { RemoteStorage } from './remote-storage.js';
import { hashOf, KEEP_OWNER, meta, pattern, rejectsWith, startAgent, type ServedAgent } from './test-support/served-agent.js';

const CHUNK = 64 * 1024;
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('chunks with equal bytes through RemoteStorage', () => {
  let a: ServedAgent;
  let s: RemoteStorage;
  before(async () => { a = await startAgent(); s = await a.remote({}, { streams: 4 }); });
  after(async () => { s.close(); await a.stop(); });

  const opts = (size: number) => ({ size, sparse: false, identity: 'v1', chunkSize: CHUNK });
  const chunkOf = (whole: Buffer, i: number) => whole.subarray(i * CHUNK, Math.min(whole.length, (i + 1) * CHUNK));

  /** every chunk opened at once (spread over the connections), written, closed with its hash; then all recorded at once */
  async function pushAllThenRecord(p: string, whole: Buffer): Promise<void> {
    const n = Math.ceil(whole.length / CHUNK);
    await s.preparePartial(p, opts(whole.length));
    const writers: ChunkWriter[] = await Promise.all(Array.from({ length: n }, () => s.openPartialWrite(p, { size: whole.length, sparse: false })));
    await Promise.all(writers.map(async (w, i) => {
      const bytes = chunkOf(whole, i);
      for (let off = 0; off < bytes.length; off += 16 * 1024) await w.write(bytes.subarray(off, off + 16 * 1024), i * CHUNK + off);
      await w.close(hashOf(bytes));
    }));
    await Promise.all(writers.map((_, i) => s.recordChunk(p, i, hashOf(chunkOf(whole, i)))));
    assert.equal((await s.preparePartial(p, opts(whole.length))).recorded.size, n, 'every chunk recorded');
    await s.commitPartial(p, meta(0o644), KEEP_OWNER);
  }

  test('a file of zeros in 32 equal chunks, all closed before any is recorded, lands identical', async () => {
    const whole = Buffer.alloc(32 * CHUNK);
    await pushAllThenRecord('zeros', whole);
    assert.equal(sha256(fs.readFileSync(path.join(a.root, 'zeros'))), sha256(whole));
  });

  test('a mix of repeated blocks and zeros, chunks written concurrently over several connections, lands identical', async () => {
    const blocks = [pattern(CHUNK, 7), Buffer.alloc(CHUNK), pattern(CHUNK, 9)];
    const order = [0, 1, 0, 0, 2, 1, 1, 0, 2, 2, 0, 1, 0, 0, 1, 2, 0, 1, 1, 0];
    const whole = Buffer.concat([...order.map((k) => blocks[k] as Buffer), pattern(1234, 7)]);
    await pushAllThenRecord('mix', whole);
    assert.equal(sha256(fs.readFileSync(path.join(a.root, 'mix'))), sha256(whole));
  });

  test('equal chunks: one never written, or written elsewhere, cannot be recorded', async () => {
    const size = 4 * CHUNK;
    const zero = Buffer.alloc(CHUNK);
    const h = hashOf(zero);
    await s.preparePartial('q', opts(size));
    const put = async (bytes: Buffer, at: number) => {
      const w = await s.openPartialWrite('q', { size, sparse: false });
      await w.write(bytes, at);
      await w.close(hashOf(bytes));
    };
    // chunk 0 written and checked twice: two checks of chunk 0, none of chunk 1
    await put(zero, 0);
    await put(zero, 0);
    await s.recordChunk('q', 0, h);
    await rejectsWith(s.recordChunk('q', 1, h), 'E_PROTOCOL', 'a chunk never written, equal to one checked twice');
    // the bytes of a chunk, written at a place that is not that chunk
    await put(zero, CHUNK / 2);
    await rejectsWith(s.recordChunk('q', 1, h), 'E_PROTOCOL', 'a chunk written half a chunk off');
    await put(zero.subarray(0, CHUNK / 2), 2 * CHUNK);
    await rejectsWith(s.recordChunk('q', 2, hashOf(zero.subarray(0, CHUNK / 2))), 'E_PROTOCOL', 'half a chunk at its start');
    // written where it belongs, on another connection: recorded once, not twice
    await put(zero, CHUNK);
    await s.recordChunk('q', 1, h);
    await rejectsWith(s.recordChunk('q', 1, h), 'E_PROTOCOL', 'one check records once');
    await rejectsWith(s.recordChunk('q', 3, h), 'E_PROTOCOL', 'the last chunk, never written');
    assert.deepEqual([...(await s.preparePartial('q', opts(size))).recorded.keys()].sort(), [0, 1]);
    await s.abortPartial('q');
  });
});
