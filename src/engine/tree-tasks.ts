// Tasks on names rather than bytes: hard links, deletions and the last pass that sets
// directory metadata.
import { dstListOptions } from './list-options.js';
import { joinRel, type Entry } from '../core/entry.js';
import { BargeError } from '../core/errors.js';
import { anyMeta, metaDiff } from '../core/compare.js';
import { isAborted, rootName, type RunContext } from './run-context.js';
import { metaOf } from './copy-file.js';
import { ResultBuilder } from './task-result.js';
import type { DeleteTask, DirMetaTask, LinkTask, TaskResult } from '../core/task-types.js';

export async function runLinks(ctx: RunContext, t: LinkTask): Promise<TaskResult> {
  const r = new ResultBuilder(ctx.verbose);
  for (const l of t.links) {
    try {
      if (!ctx.pair.hardlinks) throw new BargeError('E_UNSUPPORTED', `not linked: the storages keep no hard links (${rootName(ctx, 'dst')}), so ${l.existing} and this name cannot be one file`);
      // names already one file (a re-run where the files were compared by content) need nothing
      if (await oneFile(ctx, l.existing, l.rel)) continue;
      if (!ctx.opts.dryRun) await ctx.dst.link(l.existing, l.rel);
      r.count('hardlinksMade');
      r.event('hardlink', l.rel, l.existing);
    } catch (e) {
      r.fail(e, l.rel);
    }
  }
  return r.result;
}

async function oneFile(ctx: RunContext, a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([ctx.dst.stat(a).catch(() => undefined), ctx.dst.stat(b).catch(() => undefined)]);
  if (x?.type !== 'file' || y?.type !== 'file') return false;
  return (x.linkKey ?? `${x.dev}:${x.ino}`) === (y.linkKey ?? `${y.dev}:${y.ino}`);
}

export async function runDeletes(ctx: RunContext, t: DeleteTask): Promise<TaskResult> {
  const r = new ResultBuilder(ctx.verbose);
  let count = 0;
  for (const d of t.items) {
    if (isAborted(ctx)) break;
    try {
      const { removed, kept } = await removeAccepted(ctx, d.rel, d.type, d.insideListedDir, t.countOnly);
      count += removed;
      if (kept) r.result.keptDirs = [...(r.result.keptDirs ?? []), d.rel];
      if (t.countOnly) continue;
      r.count('deleted', removed);
      r.event('delete', (d.type === 'dir' ? d.rel + '/' : d.rel) + keptNote(kept));
    } catch (e) {
      r.fail(e, d.rel);
    }
  }
  if (t.countOnly) r.result.deleteCount = count;
  return r.result;
}

/**
 * Removes (or counts) an extra destination entry. Without filters a directory goes
 * whole; with filters only what they accept goes, so an excluded file inside an extra
 * directory stays, and with it the directories above it.
 */
async function removeAccepted(ctx: RunContext, rel: string, type: Entry['type'], insideListed: boolean, countOnly: boolean): Promise<{ removed: number; kept: boolean }> {
  if (isAborted(ctx)) throw new BargeError('E_INTERRUPTED', 'interrupted', { path: rel });
  if (type !== 'dir') {
    if (!countOnly) await ctx.dst.remove(rel);
    return { removed: 1, kept: false };
  }
  if (ctx.filter.isEmpty && !countOnly) return { removed: await ctx.dst.remove(rel), kept: false };
  let removed = 0;
  let kept = false;
  for (const e of await ctx.dst.list(rel)) {
    const path = joinRel(rel, e.name);
    if (!ctx.filter.isEmpty && !ctx.filter.accepts(path, e, insideListed)) { kept = true; continue; }
    const sub = await removeAccepted(ctx, path, e.type, insideListed || ctx.filter.coversSubtree(path), countOnly);
    removed += sub.removed;
    kept ||= sub.kept;
  }
  if (!kept) {
    if (!countOnly) await ctx.dst.removeEmptyDir(rel);
    removed++;
  }
  return { removed, kept };
}

/** what an action line adds for a directory that stays: why it does */
export function keptNote(kept: boolean): string {
  return kept ? ' (filtered entries kept)' : '';
}

export async function runDirMeta(ctx: RunContext, t: DirMetaTask): Promise<TaskResult> {
  const r = new ResultBuilder(false);
  for (const d of t.dirs) {
    if (isAborted(ctx)) break;
    try {
      if (ctx.opts.dryRun) continue;
      // a directory whose files turned out equal (compared by content, -c) was not touched:
      // setting its times again would only change its ctime
      const now = await ctx.dst.stat(d.rel, dstListOptions(ctx.opts)).catch(() => undefined);
      if (now?.type === 'dir' && !anyMeta(metaDiff(d.src, now, ctx.owner, ctx.resolutionNs))) continue;
      await ctx.dst.setMeta(d.rel, 'dir', metaOf(d.src), { owner: ctx.owner });
    } catch (e) {
      r.fail(e, d.rel === '' ? '.' : d.rel);
    }
  }
  return r.result;
}
