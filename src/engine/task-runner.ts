// Runs any task in the current thread, given the run's context.
import { toErrorRecord } from '../core/errors.js';
import { runChunk, runCopyBatch, runFinalize, runPrepare } from './copy-tasks.js';
import type { RunContext } from './run-context.js';
import { runRoot } from './root-task.js';
import { runScan } from './scan-task.js';
import { runScanGroup } from './scan-group.js';
import type { Task, TaskResult } from '../core/task-types.js';
import { runDeletes, runDirMeta, runLinks } from './tree-tasks.js';
import { runAbortPartials } from './abort-partials.js';

export async function runTask(ctx: RunContext, t: Task): Promise<TaskResult> {
  try {
    switch (t.kind) {
      case 'root': return await runRoot(ctx);
      case 'scan': return await runScan(ctx, t);
      case 'scans': return await runScanGroup(ctx, t);
      case 'copy': return await runCopyBatch(ctx, t);
      case 'prepare': return await runPrepare(ctx, t);
      case 'chunk': return await runChunk(ctx, t);
      case 'finalize': return await runFinalize(ctx, t);
      case 'link': return await runLinks(ctx, t);
      case 'delete': return await runDeletes(ctx, t);
      case 'dirmeta': return await runDirMeta(ctx, t);
      case 'abort': return await runAbortPartials(ctx, t);
    }
  } catch (e) {
    // a task runner must report per file; anything escaping is a bug, reported, not fatal
    return { counters: { failed: 1 }, errors: [toErrorRecord(e)], events: [] };
  }
}
