// Copying one file's bytes: read, hash, write at the same offset, and check that the
// source did not change meanwhile. In one process a second hash of the bytes handed to
// the writer would see the very memory just hashed and could catch nothing; what was
// written is checked by reading it back (--verify), and across the data plane by the
// receiver.
import { BargeError } from '../core/errors.js';
import type { Entry } from '../core/entry.js';
import type { FileReader, FileWriter, Storage } from '../storage/storage.js';
import type { EntryMeta } from '../storage/storage.js';
import { CELL_BYTES, isAborted, throttle, type RunContext } from './run-context.js';

export function metaOf(e: Entry): EntryMeta {
  const m: EntryMeta = { mode: e.mode, uid: e.uid, gid: e.gid, mtimeNs: e.mtimeNs };
  if (e.xattrs) m.xattrs = e.xattrs; // listed with them: -A / -X
  return m;
}

export type RangeSink = Pick<FileWriter, 'write' | 'copyFrom'>;

/**
 * Streams [offset, offset+length) from reader to sink; returns the hash of the bytes read.
 * Each block is read and hashed here; where the sink can (copyFrom), the kernel then
 * copies the same block from the source's page cache to the destination's, which here
 * measured 2-9x faster than writing it from this process's memory. The bytes so written
 * are the source's bytes of an instant later: a source changed meanwhile fails the size
 * and mtime check after the copy, and --verify compares what was written with the hash.
 */
export async function copyRange(ctx: RunContext, rel: string, reader: FileReader, sink: RangeSink, offset: number, length: number): Promise<string> {
  const { readHash } = ctx;
  const copyFrom = sink.copyFrom?.bind(sink);
  // with a spare buffer the next block is read while the last is still being sent
  const buffers = ctx.spare ? [ctx.buffer, ctx.spare] : [ctx.buffer];
  const writing: Promise<void>[] = buffers.map(() => Promise.resolve());
  let failed: { e: unknown } | undefined;
  readHash.reset();
  let done = 0;
  let turn = 0;
  try {
    while (done < length) {
      if (isAborted(ctx)) throw new BargeError('E_INTERRUPTED', 'interrupted', { path: rel });
      const k = turn++ % buffers.length;
      const buffer = buffers[k] as Buffer;
      await writing[k];
      if (failed) throw failed.e;
      const want = Math.min(buffer.length, length - done);
      const at = offset + done;
      const n = await reader.read(buffer, want, at);
      if (n === 0) throw new BargeError('E_CHANGED', `source file shrank while being copied (read ${at} of ${offset + length} bytes)`, { path: rel });
      const view = buffer.subarray(0, n);
      readHash.update(view);
      throttle(ctx, n, rel);
      const copied = copyFrom ? await copyFrom(reader, at, n) ?? 0 : 0;
      if (copied < n) {
        // not awaited here: the buffer's next turn waits for it; a failure is kept for then
        writing[k] = sink.write(view.subarray(copied), at + copied).catch((e: unknown) => { failed ??= { e }; });
      }
      if (!ctx.opts.keepCache) reader.release?.(at, n);
      Atomics.add(ctx.cells.counters, CELL_BYTES, BigInt(n));
      done += n;
    }
  } finally {
    // nothing may still be writing from a buffer once this returns, or throws
    await Promise.all(writing);
  }
  if (failed) throw failed.e;
  return readHash.digest();
}

/**
 * Hash [offset, offset+length) of a file. With `dropBehind` the bytes leave the page
 * cache once hashed, as a copy's source bytes do.
 */
export async function hashRange(ctx: RunContext, rel: string, reader: FileReader, offset: number, length: number, dropBehind = false): Promise<string> {
  // a reader that can hash where the file is (an agent's) sends the digest, not the bytes
  const there = await reader.hashRange?.(ctx.opts.hash, offset, length, dropBehind, () => {
    if (isAborted(ctx)) throw new BargeError('E_INTERRUPTED', 'interrupted', { path: rel });
  });
  if (there !== undefined) return there;
  const { buffer, readHash } = ctx;
  const release = dropBehind ? reader.release?.bind(reader) : undefined;
  readHash.reset();
  let done = 0;
  while (done < length) {
    if (isAborted(ctx)) throw new BargeError('E_INTERRUPTED', 'interrupted', { path: rel });
    const at = offset + done;
    const n = await reader.read(buffer, Math.min(buffer.length, length - done), at);
    if (n === 0) throw new BargeError('E_CHANGED', 'file shrank while being read', { path: rel });
    readHash.update(buffer.subarray(0, n));
    release?.(at, n);
    done += n;
  }
  return readHash.digest();
}

/**
 * The hash of a whole file that is only read (the destination's side of --checksum): its
 * bytes are dropped from the page cache behind the read where dropsBehind says so.
 */
export async function hashFile(ctx: RunContext, storage: Storage, rel: string): Promise<string> {
  const r = await storage.openRead(rel);
  try { return await hashRange(ctx, rel, r, 0, r.size, dropsBehind(ctx, r.size)); } finally { await r.close(); }
}

/**
 * Whether a file read in blocks leaves the page cache behind the read: not with
 * --keep-cache, nor below one block (files that small are left cached, as the copy's
 * one-call and batch paths leave them: a small share of any large tree's bytes, for a
 * system call each).
 */
export function dropsBehind(ctx: RunContext, size: number): boolean {
  return !ctx.opts.keepCache && size >= ctx.buffer.length;
}

/** The source must still be what the listing saw, else the copy is not a snapshot of anything. */
export async function checkUnchanged(reader: FileReader, src: Entry, rel: string): Promise<void> {
  const now = await reader.identity();
  if (now.size !== src.size || now.mtimeNs !== src.mtimeNs) {
    throw new BargeError('E_CHANGED', 'source file changed while being copied', { path: rel });
  }
}

/**
 * A new small file through the storages' one-call paths: read whole, hash, write whole.
 * Returns undefined when the destination cannot take it that way (the general path follows).
 */
async function copySmallFile(ctx: RunContext, rel: string, src: Entry): Promise<string | undefined> {
  const { buffer, readHash } = ctx;
  const readWhole = ctx.src.readWhole?.bind(ctx.src);
  const writeWhole = ctx.dst.writeWhole?.bind(ctx.dst);
  if (!readWhole || !writeWhole) return undefined;
  const got = await readWhole(rel, buffer);
  if (got.length !== src.size || got.size !== src.size || got.mtimeNs !== src.mtimeNs) {
    throw new BargeError('E_CHANGED', 'source file changed while being copied', { path: rel });
  }
  const view = buffer.subarray(0, got.length);
  readHash.reset();
  readHash.update(view);
  const hash = readHash.digest();
  throttle(ctx, view.length, rel);
  if (!await writeWhole(rel, view, metaOf(src), { owner: ctx.owner, fsync: ctx.opts.fsync }, hash)) return undefined;
  Atomics.add(ctx.cells.counters, CELL_BYTES, BigInt(view.length));
  return hash;
}

/** Copy a whole file under a temporary name and commit it; returns its hash. */
export async function copyWholeFile(ctx: RunContext, rel: string, src: Entry, replaces: boolean): Promise<string> {
  // small new files take the one-call path unless a flag needs the general one
  const small = !replaces && src.size < ctx.buffer.length && !ctx.opts.sparse && !ctx.opts.verify;
  if (small) {
    const hash = await copySmallFile(ctx, rel, src);
    if (hash !== undefined) return hash;
  }
  const reader = await ctx.src.openRead(rel);
  try {
    const writer = await ctx.dst.openWrite(rel, { size: src.size, sparse: ctx.opts.sparse, replaces });
    try {
      const hash = await copyRange(ctx, rel, reader, writer, 0, src.size);
      await checkUnchanged(reader, src, rel);
      if (ctx.opts.verify) await verifyWritten(ctx, rel, writer.readBack(), hash);
      await writer.commit(metaOf(src), { owner: ctx.owner, fsync: ctx.opts.fsync }, hash);
      return hash;
    } catch (e) {
      await writer.abort();
      throw e;
    }
  } finally {
    await reader.close();
  }
}

/** --verify: read what was written back from the destination and compare hashes. */
export async function verifyWritten(ctx: RunContext, rel: string, opened: Promise<FileReader>, expected: string): Promise<void> {
  const r = await opened;
  try {
    const got = await hashRange(ctx, rel, r, 0, r.size);
    if (got !== expected) throw new BargeError('E_CHECKSUM', `verify: destination reads back as ${got}, source was ${expected}`, { path: rel });
  } finally {
    await r.close();
  }
}
