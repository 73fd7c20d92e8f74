// A canceled request's cleanup: the partial files (and journals) of its large files that
// did not land are removed, each only while its journal still names this request's owner
// token: a partial another run has taken over since (a retry, another request) is its.
import type { AbortPartialsTask, TaskResult } from '../core/task-types.js';
import type { RunContext } from './run-context.js';
import { ResultBuilder } from './task-result.js';

export async function runAbortPartials(ctx: RunContext, t: AbortPartialsTask): Promise<TaskResult> {
  const r = new ResultBuilder(false);
  for (const p of t.partials) {
    try {
      await ctx.dst.abortPartial(p.rel, p.owner);
    } catch (e) {
      r.fail(e, p.rel);
    }
  }
  return r.result;
}
