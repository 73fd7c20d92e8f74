// A whole SyncRun in this thread over one run context, its tasks run one after another (a
// context has one read buffer, as a worker thread has), for tests that step into a run.
import type { Task, TaskResult } from '../../src/core/task-types.js';
import type { RunContext } from '../../src/engine/run-context.js';
import { SyncRun, type SyncOutcome } from '../../src/engine/sync-run.js';
import { runTask } from '../../src/engine/task-runner.js';

export async function syncInTurn(ctx: RunContext): Promise<SyncOutcome> {
  let last: Promise<unknown> = Promise.resolve();
  const inTurn = (t: Task): Promise<TaskResult> => { const r = last.then(() => runTask(ctx, t)); last = r; return r; };
  const run = new SyncRun({ capacity: 2, run: inTurn, close: () => Promise.resolve() }, ctx.opts);
  const from = await ctx.src.stat('');
  const to = await ctx.dst.stat('');
  if (!from) throw new Error(`syncInTurn: no source at ${ctx.src.root}`);
  return run.run({ kind: 'scan', rel: '', src: from, dst: to, dstExists: to !== undefined, insideListedDir: false });
}
