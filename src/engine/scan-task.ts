// The scan task: list one directory on both sides, plan it, do the cheap changes at
// once (directories, symlinks, metadata, what is in the way) and hand back the rest.
import { anyMeta, metaDiff } from '../core/compare.js';
import { joinRel, type Entry } from '../core/entry.js';
import { BargeError, isBargeError } from '../core/errors.js';
import { planDirectory, type DirPlan, type PlanContext } from '../core/plan-directory.js';
import { journalNameFor, partialNameFor } from '../core/temp-names.js';
import { metaOf } from './copy-file.js';
import { rootName, type RunContext } from './run-context.js';
import { ResultBuilder } from './task-result.js';
import type { FileItem, ScanTask, TaskResult } from '../core/task-types.js';
import { runCopyBatch } from './copy-tasks.js';
import { dstListOptions, srcListOptions } from './list-options.js';
import { BATCH_MAX_BYTES, BATCH_MAX_FILES, SCAN_COPY_MAX_FILE } from '../core/sync-options.js';

export async function runScan(ctx: RunContext, t: ScanTask): Promise<TaskResult> {
  const r = new ResultBuilder(ctx.verbose);
  const second = t.only !== undefined;
  if (!second) r.count('dirsFound');
  let srcList: Entry[];
  let dstList: Entry[] | undefined;
  try {
    // a directory is made just before its own files, not with its siblings: on ext4,
    // making many directories first places them where each file creation later costs
    // twice the kernel time (measured: 3.4 s against 1.75 s for 20,000 small files)
    let dstExists = t.dstExists;
    if (!dstExists && t.rel !== '' && !ctx.opts.dryRun) {
      try {
        await ctx.dst.mkdir(t.rel);
      } catch (e) {
        // an earlier attempt of this very task made it (a service restarted mid-task): use it
        const there = isBargeError(e) && e.code === 'E_EXISTS' ? await ctx.dst.stat(t.rel) : undefined;
        if (there?.type !== 'dir') throw e;
        dstExists = true;
      }
    }
    if (!dstExists && t.rel !== '') {
      r.count('dirsCreated');
      r.event('mkdir', t.rel + '/');
    }
    srcList = await ctx.src.list(t.rel, srcListOptions(ctx.opts));
    dstList = dstExists ? await ctx.dst.list(t.rel, dstListOptions(ctx.opts)) : undefined;
  } catch (e) {
    if (second) for (const name of t.only ?? []) r.fail(e, joinRel(t.rel, name));
    else r.fail(e, t.rel);
    return r.result;
  }
  if (t.only) {
    // the first scan counted this directory and its entries; only the deferred names are looked at again
    const only = new Set(t.only);
    srcList = srcList.filter((e) => only.has(e.name));
    // a dry run deleted nothing: the directories in the way count as gone
    dstList = ctx.opts.dryRun ? [] : dstList?.filter((e) => only.has(e.name));
  }
  const plan = planDirectory(t.rel, srcList, dstList, t.insideListedDir, t.copyAgain && copiesInScan(ctx) ? { ...planContext(ctx), copyAgainBelow: scanCopyLimit(ctx) } : ctx);
  if (!second) {
    r.count('filesFound', plan.filesSeen);
    r.count('bytesFound', plan.bytesSeen);
    r.count('filesUpToDate', plan.upToDate);
    r.count('xattrsNotCarried', plan.xattrsNotCarried);
  }
  const dry = ctx.opts.dryRun;
  const blocked = new Set<string>();

  await removeStaleTemps(ctx, t.rel, plan, r);
  for (const x of plan.replaces) {
    try {
      if (x.dst.type === 'dir') {
        const empty = (await ctx.dst.list(x.rel)).length === 0;
        if (!empty && second) {
          throw new BargeError('E_EXISTS', `a directory is in the way of the source ${x.src.type} and still holds entries after the delete pass (excluded by the filters, not deletable, or past --max-delete): not replaced`, { path: x.rel });
        }
        if (!empty && ctx.opts.delete) {
          // its contents go in the delete pass, with its guards (no errors, --max-delete,
          // filters); then this name alone is scanned again and the source entry lands
          blocked.add(x.rel);
          r.result.deferredReplaces = [...(r.result.deferredReplaces ?? []), x.rel];
          const again = r.result.rescan ?? { ...t, dstExists: true, only: [] };
          again.only = [...(again.only ?? []), x.src.name];
          r.result.rescan = again;
          continue;
        }
        if (!empty) throw new BargeError('E_EXISTS', `a non-empty directory is in the way of the source ${x.src.type}; --delete replaces it`, { path: x.rel });
        if (!dry) await ctx.dst.removeEmptyDir(x.rel);
      } else if (!dry) await ctx.dst.remove(x.rel);
      r.event('replace', x.rel, `${x.dst.type} -> ${x.src.type}`);
    } catch (e) {
      blocked.add(x.rel);
      r.fail(e, x.rel);
    }
  }
  for (const s of plan.symlinks) {
    if (blocked.has(s.rel)) continue;
    try {
      if (!ctx.pair.symlinks) throw new BargeError('E_UNSUPPORTED', `not copied: the destination ${rootName(ctx, 'dst')} keeps no symlinks`);
      if (!dry) await ctx.dst.symlink(s.rel, s.src.linkTarget ?? '', metaOf(s.src), { owner: ctx.owner });
      r.count('symlinksMade');
      r.event('symlink', s.rel, s.src.linkTarget);
    } catch (e) {
      r.fail(e, s.rel);
    }
  }
  for (const m of plan.metas) {
    try {
      if (!dry) await ctx.dst.setMeta(m.rel, m.src.type, metaOf(m.src), { owner: ctx.owner });
      r.count('metaUpdated');
      r.event('meta', m.rel);
    } catch (e) {
      r.fail(e, m.rel);
    }
  }
  if (!second) {
    for (const [rel, listedAs, type] of plan.missingListed) {
      const as = listedAs === rel ? '' : ` (as ${listedAs})`;
      if (type === undefined) r.fail(new BargeError('E_NOT_FOUND', `listed in --files-from${as} but not in the source`), rel);
      else r.fail(new BargeError('E_UNSUPPORTED', `listed in --files-from${as} below this ${type}, which is not a directory: barge does not follow a symlink in a listed path (list the path it points to)`), rel);
    }
  }
  for (const s of plan.specials) {
    r.count('specialsSkipped');
    r.event('skip', s.rel, `${s.src.type} not copied`);
  }
  // named one by one, as rsync names each "non-regular file" it skips
  if (plan.specials.length > 0) r.result.specials = plan.specials.map((s) => ({ rel: s.rel, type: s.src.type }));

  const copies: FileItem[] = plan.copies.filter((c) => !blocked.has(c.rel))
    .map((c) => ({ rel: c.rel, src: c.src, dstExists: c.dst !== undefined, compareFirst: c.compareFirst, ...(c.replaces ? { replaces: c.replaces } : {}), ...(c.whole ? { whole: c.whole } : {}) }));
  r.result.copies = copiesInScan(ctx) ? await copyHere(ctx, copies, r) : copies;
  r.result.descend = plan.descend.filter((d) => !blocked.has(d.rel)).map((d) => ({
    kind: 'scan' as const, rel: d.rel, src: d.src, dst: d.dst,
    // in a dry run a directory that would be made does not exist to list
    dstExists: d.dstExists, insideListedDir: d.insideListedDir,
  }));
  r.result.deletes = plan.deletes.map((d) => ({ rel: d.rel, type: d.dst.type, insideListedDir: t.insideListedDir }));
  if (ctx.opts.hardLinks) {
    r.result.hardLinks = plan.upToDateLinked.map((u) => ({ rel: u.rel, key: u.src.linkKey ?? `${u.src.dev}:${u.src.ino}`, dstIno: u.dst.linkKey ?? String(u.dst.ino) }));
  }
  const dirDiffers = !t.dst || anyMeta(metaDiff(t.src, t.dst, ctx.owner, ctx.resolutionNs));
  // a second scan's directory is already in the last pass: the first scan saw the change
  if (!second && (!t.dstExists || plan.changes || dirDiffers)) r.result.dirMeta = { rel: t.rel, src: t.src, ...(t.dstExists || ctx.opts.dryRun ? {} : { made: true }) };
  return r.result;
}

function planContext(ctx: RunContext): PlanContext {
  return { opts: ctx.opts, filter: ctx.filter, resolutionNs: ctx.resolutionNs };
}

/** a source that stages (an archive) is read only once its files are in the buffer: its scans copy nothing */
function copiesInScan(ctx: RunContext): boolean {
  return ctx.copyInScan === true && !ctx.src.features.staging;
}

/** a file smaller than this is one a scan copies itself */
function scanCopyLimit(ctx: RunContext): number {
  return Math.min(SCAN_COPY_MAX_FILE, ctx.opts.chunkCutoff);
}

/**
 * Copies the directory's small files in this thread, up to one batch's worth; returns
 * the rest (files of some MiB, which the run spreads over the threads; chunked and
 * hard-linked files; what is over the batch) for the run to dispatch. What it copies
 * counts as found-to-copy here, as the run would have counted it.
 */
async function copyHere(ctx: RunContext, copies: FileItem[], r: ResultBuilder): Promise<FileItem[]> {
  const here: FileItem[] = [];
  const rest: FileItem[] = [];
  let bytes = 0;
  for (const c of copies) {
    const small = c.src.size < scanCopyLimit(ctx) && !(ctx.opts.hardLinks && c.src.nlink > 1);
    if (small && here.length < BATCH_MAX_FILES && bytes + c.src.size <= BATCH_MAX_BYTES) {
      here.push(c);
      bytes += c.src.size;
    } else rest.push(c);
  }
  if (here.length === 0) return rest;
  const done = await runCopyBatch(ctx, { kind: 'copy', files: here });
  const back = ctx.handBackRetryable ? handBack(done) : new Set<string>();
  let counted = 0;
  let countedBytes = 0;
  for (const f of here) {
    if (back.has(f.rel)) rest.push(f);
    else { counted++; countedBytes += f.src.size; }
  }
  r.count('filesToCopy', counted);
  r.count('bytesToCopy', countedBytes);
  r.merge(done);
  if (ctx.recordHashes) {
    const hashed = new Set((done.hashes ?? []).map(([rel]) => rel));
    r.result.copiedHere = here.filter((f) => hashed.has(f.rel)).map((f) => [f.rel, f.src.size, f.src.mtimeNs.toString()]);
  }
  return rest;
}

/** takes the retryable failures out of a batch's result: the paths to hand on as copies */
function handBack(done: TaskResult): Set<string> {
  const back = new Set<string>();
  const kept = done.errors.filter((e) => {
    const again = e.retryable && e.code !== 'E_NO_SPACE' && e.path !== undefined && e.path !== '';
    if (again) back.add(e.path as string);
    return !again;
  });
  done.counters.failed = (done.counters.failed ?? 0) - (done.errors.length - kept.length);
  done.errors = kept;
  return back;
}

async function removeStaleTemps(ctx: RunContext, dir: string, plan: DirPlan, r: ResultBuilder): Promise<void> {
  if (plan.staleTemps.length === 0 || ctx.opts.dryRun) return;
  // partial large files of files still to copy are kept: the copy resumes from them
  const keep = new Set<string>();
  for (const c of plan.copies) {
    if (c.src.size >= ctx.opts.chunkCutoff && !c.whole) {
      keep.add(partialNameFor(c.src.name));
      keep.add(journalNameFor(c.src.name));
    }
  }
  for (const name of plan.staleTemps) {
    if (keep.has(name)) continue;
    const rel = joinRel(dir, name);
    try { await ctx.dst.remove(rel); } catch (e) { r.fail(e, rel); }
  }
}
