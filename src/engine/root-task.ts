// The root task of a service request: both roots must be directories (the agent made
// the destination when it took the job); then the walk starts at the top.
import { dstListOptions } from './list-options.js';
import { BargeError } from '../core/errors.js';
import { rootName, type RunContext } from './run-context.js';
import { ResultBuilder } from './task-result.js';
import type { TaskResult } from '../core/task-types.js';

export async function runRoot(ctx: RunContext): Promise<TaskResult> {
  const r = new ResultBuilder(ctx.verbose);
  try {
    const src = await ctx.src.stat('', dstListOptions(ctx.opts));
    if (!src) throw new BargeError('E_NOT_FOUND', `the source ${rootName(ctx, 'src')} does not exist`, { path: '' });
    if (src.type !== 'dir') throw new BargeError('E_BAD_INPUT', `the source ${rootName(ctx, 'src')} is not a directory`, { path: '' });
    const dst = await ctx.dst.stat('', dstListOptions(ctx.opts));
    if (dst && dst.type !== 'dir') throw new BargeError('E_EXISTS', `the destination ${rootName(ctx, 'dst')} is not a directory`, { path: '' });
    r.result.descend = [{ kind: 'scan', rel: '', src, dst, dstExists: dst !== undefined, insideListedDir: false }];
  } catch (e) {
    r.fail(e, '');
  }
  return r.result;
}
