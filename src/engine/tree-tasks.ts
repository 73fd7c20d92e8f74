// Tasks on names rather than bytes: hard links, deletions and the last pass that sets
// directory metadata.
import { dstListOptions } from './list-options.js';
import { joinRel, type Entry } from '../core/entry.js';
import { BargeError, PartlyRemovedError } from '../core/errors.js';
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

/** one delete task's walk: what it may still remove, and what it left */
interface DeleteWalk {
  ctx: RunContext;
  r: ResultBuilder;
  countOnly: boolean;
  /** entries it may still remove (--max-delete); undefined: no limit */
  left: number | undefined;
  /** entries left because `left` ran out */
  skipped: number;
}

interface Removal {
  removed: number;
  /** the directory stays: something inside it stays */
  kept: boolean;
  /** ... because the filters keep entries in it */
  filtered: boolean;
  /** ... because --max-delete left entries in it */
  limited: boolean;
}

export async function runDeletes(ctx: RunContext, t: DeleteTask): Promise<TaskResult> {
  const r = new ResultBuilder(ctx.verbose);
  const w: DeleteWalk = { ctx, r, countOnly: t.countOnly, left: t.budget, skipped: 0 };
  let count = 0;
  for (const d of t.items) {
    if (isAborted(ctx)) break;
    try {
      const { removed, kept, filtered } = await removeAccepted(w, d.rel, d.type, d.insideListedDir);
      count += removed;
      if (kept) r.result.keptDirs = [...(r.result.keptDirs ?? []), d.rel];
      if (!t.countOnly) r.count('deleted', removed);
      // a directory that stays says why; what went from it has lines of its own
      if (filtered) r.event('delete', d.rel + '/' + keptNote(filtered));
    } catch (e) {
      // what a removal that stopped part way did remove is gone: counted, as its message says
      if (e instanceof PartlyRemovedError) {
        count += e.removed;
        r.count('deleted', e.removed);
      }
      r.fail(e, d.rel);
    }
  }
  r.result.deleteCount = count;
  if (w.skipped > 0) r.result.deletesSkipped = w.skipped;
  return r.result;
}

/** takes one entry from the budget; false (and counted as skipped) when it has run out */
function mayRemove(w: DeleteWalk): boolean {
  if (w.left === undefined) return true;
  if (w.left <= 0) { w.skipped++; return false; }
  w.left--;
  return true;
}

/**
 * Removes (or counts) an extra destination entry and what it holds, one line per
 * entry, deepest first (as rsync's "deleting" lines). Only a run that shows nothing,
 * has no filters and no limit takes a directory away whole in one call; otherwise
 * each entry is looked at, so that an excluded file inside an extra directory stays
 * (and with it the directories above it), and --max-delete stops at its count.
 */
async function removeAccepted(w: DeleteWalk, rel: string, type: Entry['type'], insideListed: boolean): Promise<Removal> {
  const { ctx, countOnly } = w;
  if (isAborted(ctx)) throw new BargeError('E_INTERRUPTED', 'interrupted', { path: rel });
  const gone = (removed: number): Removal => ({ removed, kept: false, filtered: false, limited: false });
  if (type !== 'dir') {
    if (!mayRemove(w)) return { ...gone(0), kept: true, limited: true };
    if (!countOnly) await ctx.dst.remove(rel);
    w.r.event('delete', rel);
    return gone(1);
  }
  if (ctx.filter.isEmpty && !countOnly && !ctx.verbose && w.left === undefined) return gone(await ctx.dst.remove(rel));
  const out = gone(0);
  for (const e of await ctx.dst.list(rel)) {
    const path = joinRel(rel, e.name);
    if (!ctx.filter.isEmpty && !ctx.filter.accepts(path, e, insideListed)) { out.kept = out.filtered = true; continue; }
    const sub = await removeAccepted(w, path, e.type, insideListed || ctx.filter.coversSubtree(path));
    out.removed += sub.removed;
    out.kept ||= sub.kept;
    out.filtered ||= sub.filtered;
    out.limited ||= sub.limited;
  }
  // a directory only the limit kept would have gone: it is one more deletion skipped
  if (out.limited && !out.filtered) w.skipped++;
  if (out.kept) return out;
  if (!mayRemove(w)) return { ...out, kept: true, limited: true };
  if (!countOnly) await ctx.dst.removeEmptyDir(rel);
  w.r.event('delete', rel + '/');
  return { ...out, removed: out.removed + 1 };
}

/** what an action line adds for a directory that stays: why it does */
export function keptNote(filtered: boolean): string {
  return filtered ? ' (filtered entries kept)' : '';
}

export async function runDirMeta(ctx: RunContext, t: DirMetaTask): Promise<TaskResult> {
  const r = new ResultBuilder(false);
  for (const d of t.dirs) {
    if (isAborted(ctx)) break;
    try {
      if (ctx.opts.dryRun) continue;
      // a directory whose files turned out equal (compared by content, -c) was not touched:
      // setting its times again would only change its ctime. One this run made was (and
      // over a long link the look costs a round trip)
      if (d.made !== true) {
        const now = await ctx.dst.stat(d.rel, dstListOptions(ctx.opts)).catch(() => undefined);
        if (now?.type === 'dir' && !anyMeta(metaDiff(d.src, now, ctx.owner, ctx.resolutionNs))) continue;
      }
      await ctx.dst.setMeta(d.rel, 'dir', metaOf(d.src), { owner: ctx.owner });
    } catch (e) {
      r.fail(e, d.rel === '' ? '.' : d.rel);
    }
  }
  return r.result;
}
