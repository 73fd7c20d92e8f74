// New small files of one directory copied a buffer-full at a time: one read call and one
// write call per buffer, where the one-file path pays a call and a promise per step of
// every file. Each file is hashed from the buffer it was read into and written from, as
// the one-file path does. Whatever this cannot do for a file (an error, a file that
// changed since the listing, a name taken meanwhile) it leaves to the one-file path,
// which tries again and reports why.
import type { ManyRead, ManyReadResult, ManyWrite } from '../storage/storage.js';
import { metaOf } from './copy-file.js';
import { CELL_BYTES, isAborted, type RunContext } from './run-context.js';
import type { ResultBuilder } from './task-result.js';
import type { FileItem } from '../core/task-types.js';

/** the shared buffer of a thread's batches: enough for a directory of small files */
const BATCH_BUFFER = 2 * 1024 * 1024;

function eligible(ctx: RunContext, f: FileItem): boolean {
  return !f.dstExists && !f.compareFirst && f.src.size < ctx.buffer.length;
}

function dirOf(f: FileItem): string {
  return f.rel.length === f.src.name.length ? '' : f.rel.slice(0, f.rel.length - f.src.name.length - 1);
}

/**
 * Copies what it can of `files` in batches; returns the files left for the one-file
 * path, in their order. `landed` gets the files it copied.
 */
export async function copySmallBatches(ctx: RunContext, files: readonly FileItem[], r: ResultBuilder, landed: string[]): Promise<FileItem[]> {
  const { src, dst, opts } = ctx;
  // -A / -X: the one-call writes set no xattrs
  if (!src.readMany || !dst.writeMany || opts.dryRun || opts.sparse || opts.verify || opts.acls || opts.xattrs) return [...files];
  const byDir = new Map<string, FileItem[]>();
  const rest: FileItem[] = [];
  for (const f of files) {
    if (!eligible(ctx, f)) { rest.push(f); continue; }
    const dir = dirOf(f);
    const list = byDir.get(dir);
    if (list) list.push(f); else byDir.set(dir, [f]);
  }
  if (byDir.size === 0) return rest;
  const buf = ctx.batchBuffer ??= Buffer.allocUnsafe(BATCH_BUFFER);
  for (const [dir, list] of byDir) {
    for (let i = 0; i < list.length;) {
      if (isAborted(ctx)) { rest.push(...list.slice(i)); break; }
      // as many as fit, each with one byte to spare (a grown file reads back longer)
      let room = 0;
      let end = i;
      while (end < list.length && room + (list[end] as FileItem).src.size + 1 <= buf.length) room += (list[end++] as FileItem).src.size + 1;
      rest.push(...await copyOneBuffer(ctx, dir, list.slice(i, end), buf, r, landed));
      i = end;
    }
  }
  return rest;
}

async function copyOneBuffer(ctx: RunContext, dir: string, files: FileItem[], buf: Buffer, r: ResultBuilder, landed: string[]): Promise<FileItem[]> {
  const { readHash } = ctx;
  const rest: FileItem[] = [];
  let reads: (ManyReadResult | undefined)[];
  try {
    reads = await (ctx.src.readMany as NonNullable<typeof ctx.src.readMany>)(dir, files.map((f): ManyRead => ({ name: f.src.name, size: f.src.size })), buf);
  } catch {
    return files; // the directory itself failed: each file finds out why on its own
  }
  const writes: ManyWrite[] = [];
  const toWrite: { f: FileItem; hash: string }[] = [];
  let bytes = 0;
  for (let i = 0; i < files.length; i++) {
    const f = files[i] as FileItem;
    const got = reads[i];
    if (!got || got.length !== f.src.size || got.size !== f.src.size || got.mtimeNs !== f.src.mtimeNs) { rest.push(f); continue; }
    readHash.reset();
    readHash.update(buf.subarray(got.offset, got.offset + got.length));
    const hash = readHash.digest();
    writes.push({ name: f.src.name, offset: got.offset, length: got.length, meta: metaOf(f.src), sentHash: hash });
    toWrite.push({ f, hash });
    bytes += got.length;
  }
  if (writes.length === 0) return rest;
  // interrupted while waiting for --bwlimit: nothing written, the files go back (and stop there)
  if (ctx.limiter && !ctx.limiter.acquire(bytes)) return [...files];
  let done: boolean[];
  try {
    done = await (ctx.dst.writeMany as NonNullable<typeof ctx.dst.writeMany>)(dir, writes, buf, { owner: ctx.owner, fsync: ctx.opts.fsync });
  } catch {
    done = [];
  }
  let copied = 0;
  for (let i = 0; i < toWrite.length; i++) {
    const { f, hash } = toWrite[i] as { f: FileItem; hash: string };
    if (!done[i]) { rest.push(f); continue; }
    r.count('filesCopied');
    r.count('bytesCopied', f.src.size);
    r.landed(f);
    if (ctx.recordHashes) (r.result.hashes ??= []).push([f.rel, hash]);
    landed.push(f.rel);
    copied += f.src.size;
  }
  Atomics.add(ctx.cells.counters, CELL_BYTES, BigInt(copied));
  return rest;
}
