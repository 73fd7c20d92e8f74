// Conformance: a partial large file belongs to the writer that prepared it last (issue 25).
// A second prepare takes it over; the first writer then writes into it, records into it and
// commits it no more (E_CHANGED), and a commit checks that every chunk is the one sent.
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { type It, KEEP_OWNER, meta, names, pattern, readAll, rejectsWith, sent, type StorageUnderTest, T1 } from './helpers.js';

const CHUNK = 64 * 1024;
const SIZE = 2 * CHUNK + 1000;
const opts = (identity: string) => ({ size: SIZE, sparse: false, identity, chunkSize: CHUNK });
const bytesOf = (seed: number) => [pattern(CHUNK, seed), pattern(CHUNK, seed + 1), pattern(1000, seed + 2)];

/** the hash a sender records for chunk `index` (any hex where the storage keeps it unchecked) */
function hashOf(h: StorageUnderTest, bytes: Buffer, index: number): string {
  return sent(h, bytes) ?? `c0ffee${index}`;
}

/** writes chunk `index` as `owner` and records it, as a sender does; returns the hash */
async function writeChunk(h: StorageUnderTest, owner: string | undefined, index: number, bytes: Buffer): Promise<string> {
  const w = await h.storage.openPartialWrite('big', { size: SIZE, sparse: false, ...(owner === undefined ? {} : { owner }) });
  try { await w.write(bytes, index * CHUNK); } finally { await w.close(sent(h, bytes)); }
  const hash = hashOf(h, bytes, index);
  await h.storage.recordChunk('big', index, hash, owner);
  return hash;
}

/** an open as `owner`, closed unwritten: a storage may report the open's failure at the close (Storage.openPartialWrite) */
async function openAndClose(h: StorageUnderTest, owner: string | undefined): Promise<void> {
  const w = await h.storage.openPartialWrite('big', { size: SIZE, sparse: false, ...(owner === undefined ? {} : { owner }) });
  await w.close();
}

export function partialOwnerTests(it: It): void {
  void describe('partial files have one owner', () => {
    it('a second prepare takes the partial over: the first writer neither writes, records, removes nor commits it', async (h) => {
      const s = h.storage;
      const a = await s.preparePartial('big', opts('source-a'));
      assert.equal(typeof a.owner, 'string', 'prepare gives the writer a token');
      const aBytes = bytesOf(1);
      const aHashes = [await writeChunk(h, a.owner, 0, aBytes[0] as Buffer)];
      const late = await s.openPartialWrite('big', { size: SIZE, sparse: false, owner: a.owner }); // in flight at the takeover
      const b = await s.preparePartial('big', opts('source-b'));
      assert.notEqual(b.owner, a.owner);
      // the first writer's chunk in flight lands nowhere the second one sees, and is not recorded
      try { await late.write(aBytes[1] as Buffer, CHUNK); } finally { await late.close(sent(h, aBytes[1] as Buffer)); }
      await rejectsWith(() => s.recordChunk('big', 1, hashOf(h, aBytes[1] as Buffer, 1), a.owner), 'E_CHANGED', 'recordChunk by the old owner');
      await rejectsWith(() => openAndClose(h, a.owner), 'E_CHANGED', 'openPartialWrite by the old owner');
      aHashes.push(hashOf(h, aBytes[1] as Buffer, 1), hashOf(h, aBytes[2] as Buffer, 2));
      await rejectsWith(() => s.commitPartial('big', meta(0o644, T1), KEEP_OWNER, { owner: a.owner as string, chunkHashes: aHashes }), 'E_CHANGED', 'commitPartial by the old owner');
      await s.abortPartial('big', a.owner); // not the old owner's to remove any more: nothing happens
      const seen = await readAll(await s.openPartialRead('big'));
      assert.ok(seen.equals(Buffer.alloc(SIZE)), 'the new partial holds none of the old owner\'s bytes');
      const bBytes = bytesOf(7);
      const bHashes: string[] = [];
      for (let i = 0; i < 3; i++) bHashes.push(await writeChunk(h, b.owner, i, bBytes[i] as Buffer));
      await s.commitPartial('big', meta(0o644, T1), KEEP_OWNER, { owner: b.owner as string, chunkHashes: bHashes });
      assert.deepEqual(await h.fixture.read('big'), Buffer.concat(bBytes));
      assert.deepEqual(await names(h, ''), ['big'], 'no partial, journal or temporary name left');
      await rejectsWith(() => s.commitPartial('big', meta(0o644, T1), KEEP_OWNER, { owner: a.owner as string, chunkHashes: aHashes }), 'E_NOT_FOUND', 'a commit after the other committed');
    });
    it('a resume takes the partial over too, keeping its recorded chunks', async (h) => {
      const s = h.storage;
      const first = await s.preparePartial('big', opts('same'));
      const bytes = bytesOf(3);
      const h0 = await writeChunk(h, first.owner, 0, bytes[0] as Buffer);
      const next = await s.preparePartial('big', opts('same')); // the first run died, or is still at it
      assert.deepEqual([...next.recorded], [[0, h0]]);
      assert.notEqual(next.owner, first.owner);
      await rejectsWith(() => openAndClose(h, first.owner), 'E_CHANGED', 'openPartialWrite by the run taken over');
      const hashes = [h0, await writeChunk(h, next.owner, 1, bytes[1] as Buffer), await writeChunk(h, next.owner, 2, bytes[2] as Buffer)];
      await s.commitPartial('big', meta(0o644, T1), KEEP_OWNER, { owner: next.owner as string, chunkHashes: hashes });
      assert.deepEqual(await h.fixture.read('big'), Buffer.concat(bytes));
      assert.deepEqual(await names(h, ''), ['big']);
    });
    it('commit checks that every chunk is recorded with the hash the committer sent', async (h) => {
      const s = h.storage;
      const p = await s.preparePartial('big', opts('id'));
      const owner = p.owner as string;
      const bytes = bytesOf(5);
      const hashes = [await writeChunk(h, owner, 0, bytes[0] as Buffer), await writeChunk(h, owner, 1, bytes[1] as Buffer)];
      const all = [...hashes, hashOf(h, bytes[2] as Buffer, 2)];
      await rejectsWith(() => s.commitPartial('big', meta(0o644, T1), KEEP_OWNER, { owner, chunkHashes: all }), 'E_CHANGED', 'a chunk not recorded');
      await writeChunk(h, owner, 2, bytes[2] as Buffer);
      const other = sent(h, pattern(CHUNK, 99)) ?? 'badc0de0';
      await rejectsWith(() => s.commitPartial('big', meta(0o644, T1), KEEP_OWNER, { owner, chunkHashes: [other, ...all.slice(1)] }), 'E_CHANGED', 'a chunk recorded with another hash');
      assert.equal((await names(h, '')).includes('big'), false, 'nothing at the final name');
      await s.commitPartial('big', meta(0o644, T1), KEEP_OWNER, { owner, chunkHashes: all });
      assert.deepEqual(await h.fixture.read('big'), Buffer.concat(bytes));
    });
  });
}
