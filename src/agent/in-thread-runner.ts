// Runs an agent's tasks in the calling thread, one run context per request: the
// worker-thread runner's twin for tests that drive a coordinator in-process and need to
// step in between tasks. Nothing in a service uses it.
import type { Job } from '../core/agent-wire.js';
import type { Task, TaskResult } from '../core/task-types.js';
import { BandwidthLimiter } from '../engine/bandwidth-limiter.js';
import { raiseAbort, sharedCells, type RunContext } from '../engine/run-context.js';
import { runTask } from '../engine/task-runner.js';
import { openStorage } from '../storage/registry.js';
import { buildRunContext } from './build-run-context.js';
import { jobNames, makeDestination } from './job-names.js';
import { SERVICE_RUN } from './service-run.js';
import type { JobRoots, RootedRunner } from './job-runner.js';

export class InThreadRunner implements RootedRunner {
  private readonly ctxs = new Map<string, RunContext>();
  /** the last task started: a context has one read buffer, so its tasks run one after another, as on a thread */
  private last: Promise<unknown> = Promise.resolve();

  /** `decorate`: the test's own wrappers around a request's storages (a source that loses a file mid-scan) */
  constructor(private readonly decorate: (ctx: RunContext) => RunContext = (ctx) => ctx) {}

  run(job: Job, roots: JobRoots, task: Task): Promise<TaskResult> {
    let ctx = this.ctxs.get(job.requestId);
    if (!ctx) {
      if (roots.dst === undefined) return Promise.reject(new Error('InThreadRunner: pushes to another agent run on worker threads only'));
      const dst = roots.dst;
      makeDestination(job, () => openStorage(dst, { createRoot: true }));
      ctx = this.decorate({
        ...buildRunContext({ src: roots.src, dst: roots.dst, opts: job.opts, nowNs: BigInt(Date.now()) * 1_000_000n, verbose: false, memory: sharedCells().memory, limiterMemory: BandwidthLimiter.sharedMemory() }),
        ...SERVICE_RUN, names: jobNames(job),
      });
      this.ctxs.set(job.requestId, ctx);
    }
    const c = ctx;
    const r = this.last.then(() => runTask(c, task));
    this.last = r;
    return r;
  }

  /** as the worker runner: the tasks in flight stop; a retry of the request starts with fresh cells */
  cancel(requestId: string): void {
    const c = this.ctxs.get(requestId);
    if (c) raiseAbort(c.cells.flags);
    this.ctxs.delete(requestId);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
