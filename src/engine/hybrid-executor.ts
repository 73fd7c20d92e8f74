// Runs metadata tasks (scans, links, deletes, directory times) in the calling thread
// while one such slot is free, and everything else on the worker pool. A no-op sync of
// a small tree then finishes before a worker thread would have started, and a big one
// still gets every thread.
import type { RunContext } from './run-context.js';
import { runTask } from './task-runner.js';
import type { Task, TaskResult } from './task-types.js';
import type { TaskExecutor, WorkerPool } from './worker-pool.js';

const INLINE_KINDS = new Set<Task['kind']>(['scan', 'link', 'delete', 'dirmeta']);

export class HybridExecutor implements TaskExecutor {
  private inlineBusy = false;

  constructor(private readonly ctx: RunContext, private readonly pool: WorkerPool) {}

  get capacity(): number {
    return this.pool.capacity + 1;
  }

  run(task: Task): Promise<TaskResult> {
    if (this.inlineBusy || !INLINE_KINDS.has(task.kind)) return this.pool.run(task);
    this.inlineBusy = true;
    // setImmediate: let results already queued be handled first, and keep stacks shallow
    return new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => runTask(this.ctx, task))
      .finally(() => { this.inlineBusy = false; });
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
