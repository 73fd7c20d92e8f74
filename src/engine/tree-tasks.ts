// Tasks on names rather than bytes: hard links, deletions and the last pass that sets
// directory metadata.
import type { RunContext } from './run-context.js';
import { metaOf } from './copy-file.js';
import { ResultBuilder } from './task-result.js';
import type { DeleteTask, DirMetaTask, LinkTask, TaskResult } from './task-types.js';

export async function runLinks(ctx: RunContext, t: LinkTask): Promise<TaskResult> {
  const r = new ResultBuilder(ctx.verbose);
  for (const l of t.links) {
    try {
      if (!ctx.opts.dryRun) await ctx.dst.link(l.existing, l.rel);
      r.count('hardlinksMade');
      r.event('hardlink', l.rel, l.existing);
    } catch (e) {
      r.fail(e, l.rel);
    }
  }
  return r.result;
}

export async function runDeletes(ctx: RunContext, t: DeleteTask): Promise<TaskResult> {
  const r = new ResultBuilder(ctx.verbose);
  let count = 0;
  for (const d of t.items) {
    try {
      if (t.countOnly) {
        count += d.type === 'dir' ? await countTree(ctx, d.rel) : 1;
        continue;
      }
      const n = await ctx.dst.remove(d.rel);
      r.count('deleted', n);
      r.event('delete', d.type === 'dir' ? d.rel + '/' : d.rel);
    } catch (e) {
      r.fail(e, d.rel);
    }
  }
  if (t.countOnly) r.result.deleteCount = count;
  return r.result;
}

async function countTree(ctx: RunContext, rel: string): Promise<number> {
  let n = 1;
  for (const e of await ctx.dst.list(rel)) n += e.type === 'dir' ? await countTree(ctx, `${rel}/${e.name}`) : 1;
  return n;
}

export async function runDirMeta(ctx: RunContext, t: DirMetaTask): Promise<TaskResult> {
  const r = new ResultBuilder(false);
  for (const d of t.dirs) {
    try {
      if (!ctx.opts.dryRun) await ctx.dst.setMeta(d.rel, 'dir', metaOf(d.src), { owner: ctx.owner });
    } catch (e) {
      r.fail(e, d.rel === '' ? '.' : d.rel);
    }
  }
  return r.result;
}
