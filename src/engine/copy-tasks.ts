// Tasks that move file content: a batch of whole files, and the prepare / chunk /
// finalize steps of a large file copied in parallel chunks.
import { dstListOptions } from './list-options.js';
import { chunksOf, partialIdentity } from '../core/chunking.js';
import { anyMeta, metaDiff } from '../core/compare.js';
import { BargeError, isBargeError } from '../core/errors.js';
import { checkUnchanged, copyRange, copyWholeFile, dropsBehind, hashFile, hashRange, metaOf } from './copy-file.js';
import { combineChunkHashes } from './hasher.js';
import { withRetry } from './retry.js';
import { copySmallBatches } from './small-file-batch.js';
import { isAborted, type RunContext } from './run-context.js';
import { ResultBuilder } from './task-result.js';
import type { ChunkTask, CopyBatchTask, FileItem, FinalizeChunkedTask, PrepareChunkedTask, TaskResult } from '../core/task-types.js';

/**
 * --checksum: true when the destination already holds the same bytes. Both sides leave the
 * page cache behind the read (dropsBehind), except a source that differs: the copy
 * that follows reads it again, from the cache, and drops it then.
 */
async function sameContent(ctx: RunContext, f: FileItem): Promise<boolean> {
  const dstHash = await hashFile(ctx, ctx.dst, f.rel);
  const src = await ctx.src.openRead(f.rel);
  try {
    const same = await hashRange(ctx, f.rel, src, 0, src.size) === dstHash;
    if (same && dropsBehind(ctx, src.size)) src.release?.(0, src.size);
    return same;
  } finally {
    await src.close();
  }
}

/** --checksum found equal content: fix metadata only (or nothing) */
async function settleSame(ctx: RunContext, f: FileItem, r: ResultBuilder): Promise<void> {
  const dst = await ctx.dst.stat(f.rel, dstListOptions(ctx.opts));
  if (dst && anyMeta(metaDiff(f.src, dst, ctx.owner, ctx.resolutionNs))) {
    if (!ctx.opts.dryRun) await ctx.dst.setMeta(f.rel, 'file', metaOf(f.src), { owner: ctx.owner });
    r.count('metaUpdated');
    r.event('meta', f.rel);
  } else r.count('filesUpToDate');
}

export async function runCopyBatch(ctx: RunContext, t: CopyBatchTask): Promise<TaskResult> {
  const r = new ResultBuilder(ctx.verbose);
  const landed: string[] = [];
  const files = await copySmallBatches(ctx, t.files, r, landed);
  for (let i = 0; i < files.length; i++) {
    const f = files[i] as FileItem;
    if (isAborted(ctx)) break;
    try {
      if (f.compareFirst && await withRetry(() => sameContent(ctx, f))) {
        await settleSame(ctx, f, r);
        landed.push(f.rel);
        continue;
      }
      if (!ctx.opts.dryRun) {
        const hash = await withRetry(() => copyWholeFile(ctx, f.rel, f.src, f.dstExists));
        if (ctx.recordHashes) (r.result.hashes ??= []).push([f.rel, hash]);
      }
      r.count('filesCopied');
      r.count('bytesCopied', f.src.size);
      r.landed(f);
      landed.push(f.rel);
    } catch (e) {
      r.fail(e, f.rel);
      if (r.result.noSpace) {
        // the disk is full: the rest of the batch is not attempted
        for (const rest of files.slice(i + 1)) r.fail(new BargeError('E_NO_SPACE', 'not copied: the destination is full', { path: rest.rel }), rest.rel);
        break;
      }
    }
  }
  r.result.landed = landed;
  return r.result;
}


/** the partial's identity (partialIdentity) from the source as it is now, which must be as listed */
async function resumeIdentity(ctx: RunContext, t: PrepareChunkedTask): Promise<string> {
  const now = await ctx.src.stat(t.file.rel);
  if (!now) throw new BargeError('E_NOT_FOUND', 'source file vanished since it was listed', { path: t.file.rel });
  if (now.type !== 'file' || now.size !== t.file.src.size || now.mtimeNs !== t.file.src.mtimeNs) {
    throw new BargeError('E_CHANGED', 'source file changed since it was listed', { path: t.file.rel });
  }
  return partialIdentity(now.size, now.mtimeNs, ctx.opts.hash, now.ctimeNs);
}

export async function runPrepare(ctx: RunContext, t: PrepareChunkedTask): Promise<TaskResult> {
  const r = new ResultBuilder(ctx.verbose);
  try {
    if (t.file.compareFirst && await withRetry(() => sameContent(ctx, t.file))) {
      await settleSame(ctx, t.file, r);
      r.result.landed = [t.file.rel];
      return r.result;
    }
    // a source that cannot be read (its mode, gone, changed since the walk) fails here, once,
    // before a partial is made: not once per chunk, with a sparse partial left behind
    await withRetry(async () => {
      const reader = await ctx.src.openRead(t.file.rel);
      try { await checkUnchanged(reader, t.file.src, t.file.rel); } finally { await reader.close(); }
    });
    const p = await ctx.dst.preparePartial(t.file.rel, { size: t.file.src.size, sparse: ctx.opts.sparse, identity: await resumeIdentity(ctx, t), chunkSize: ctx.opts.chunkSize });
    r.result.recorded = [...p.recorded.entries()];
    if (p.owner !== undefined) r.result.partialOwner = p.owner;
  } catch (e) {
    r.fail(e, t.file.rel);
  }
  return r.result;
}

export async function runChunk(ctx: RunContext, t: ChunkTask): Promise<TaskResult> {
  const r = new ResultBuilder(false);
  const rel = t.file.rel;
  try {
    if (t.recorded !== undefined) {
      // resume: keep the chunk an earlier run wrote if it still reads back as recorded
      const back = await ctx.dst.openPartialRead(rel);
      let same = false;
      try { same = await hashRange(ctx, rel, back, t.offset, t.length) === t.recorded; } catch (e) { if (isBargeError(e) && e.code === 'E_INTERRUPTED') throw e; } finally { await back.close(); }
      if (same) {
        r.count('bytesResumed', t.length);
        r.result.chunkHash = t.recorded;
        return r.result;
      }
    }
    let recorded = false;
    const hash = await withRetry(async () => {
      const reader = await ctx.src.openRead(rel);
      try {
        const writer = await ctx.dst.openPartialWrite(rel, { size: t.file.src.size, sparse: ctx.opts.sparse, ...(t.owner === undefined ? {} : { owner: t.owner }) });
        let hash: string;
        try {
          hash = await copyRange(ctx, rel, reader, writer, t.offset, t.length);
          await checkUnchanged(reader, t.file.src, rel);
        } catch (e) {
          // abandoned, never recorded: the error that stopped the copy is the one to report
          // (a writer whose open failed reports that failure at its close too)
          await writer.close().catch(() => undefined);
          throw e;
        }
        if (writer.closeAndRecord) {
          await writer.closeAndRecord(hash, { path: rel, index: t.index, ...(t.owner === undefined ? {} : { owner: t.owner }) });
          recorded = true;
        } else await writer.close(hash);
        return hash;
      } finally {
        await reader.close();
      }
    });
    if (!recorded) await ctx.dst.recordChunk(rel, t.index, hash, t.owner);
    // only a recorded chunk counts as done: one the destination would not record must not let the file be committed
    r.result.chunkHash = hash;
  } catch (e) {
    r.fail(e, rel);
  }
  return r.result;
}

/** the destination holds the file as a finalize would have left it: its size, its source's mtime */
async function alreadyCommitted(ctx: RunContext, f: FileItem): Promise<boolean> {
  const d = await ctx.dst.stat(f.rel);
  return d?.type === 'file' && d.size === f.src.size && d.mtimeNs === f.src.mtimeNs;
}

export async function runFinalize(ctx: RunContext, t: FinalizeChunkedTask): Promise<TaskResult> {
  const r = new ResultBuilder(ctx.verbose);
  const f = t.file;
  try {
    if (ctx.opts.verify) {
      const back = await ctx.dst.openPartialRead(f.rel);
      const hashes: string[] = [];
      try {
        for (const c of chunksOf(f.src.size, ctx.opts.chunkSize)) hashes.push(await hashRange(ctx, f.rel, back, c.offset, c.length));
      } finally { await back.close(); }
      const got = combineChunkHashes(ctx.opts.hash, hashes);
      const want = combineChunkHashes(ctx.opts.hash, t.chunkHashes);
      if (got !== want) {
        await ctx.dst.abortPartial(f.rel, t.owner);
        throw new BargeError('E_CHECKSUM', `verify: destination reads back as ${got}, source was ${want}`, { path: f.rel });
      }
    }
    try {
      await ctx.dst.commitPartial(f.rel, metaOf(f.src), { owner: ctx.owner, fsync: ctx.opts.fsync }, t.owner === undefined ? undefined : { owner: t.owner, chunkHashes: t.chunkHashes });
    } catch (e) {
      // run again after it already committed (its agent died before reporting, and the
      // lease ran out): the file is there as the source is, and that is the outcome wanted
      if (!(isBargeError(e) && e.code === 'E_NOT_FOUND')) throw e;
      if (!await alreadyCommitted(ctx, f)) {
        // not as this run's source is: another run took the partial over and committed it (or removed it)
        throw t.owner === undefined ? e : new BargeError('E_CHANGED', 'another run took over this partial file; the destination is left to it', { path: f.rel });
      }
    }
    r.count('filesCopied');
    r.landed(f);
    r.result.landed = [f.rel];
  } catch (e) {
    r.fail(e, f.rel);
  }
  return r.result;
}

