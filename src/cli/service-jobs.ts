// The built-in agent's JobRunner: tasks go to worker threads with their job; each job
// has its own shared cells, so canceling a request stops its tasks and no other.
import type { Job } from '../agent/agent-link.js';
import type { JobRunner } from '../agent/local-agent.js';
import { BandwidthLimiter } from '../engine/bandwidth-limiter.js';
import { CELL_ABORT, sharedCells } from '../engine/run-context.js';
import type { Task, TaskResult } from '../engine/task-types.js';
import { WorkerPool } from '../engine/worker-pool.js';
import type { SyncWorkerData } from './sync-context.js';

export interface ServiceJobMessage {
  job: Job;
  /** a request's cells are replaced when it is canceled: a retry must not inherit the abort */
  generation: number;
  task: Task;
  data: Omit<SyncWorkerData, 'srcRoot' | 'dstRoot' | 'opts'>;
}

/** test hook: hold every task this long before it runs, so a test can stop the service mid-request */
const TASK_DELAY_MS = Number(process.env.BARGE_TEST_TASK_DELAY_MS ?? 0);

export class WorkerJobRunner implements JobRunner {
  private readonly pool: WorkerPool<ServiceJobMessage>;
  private readonly cells = new Map<string, { cells: ReturnType<typeof sharedCells>; generation: number }>();
  private generations = 0;

  constructor(threads: number) {
    this.pool = new WorkerPool<ServiceJobMessage>(new URL('./service-worker.js', import.meta.url), {}, threads);
  }

  private cellsOf(requestId: string): { cells: ReturnType<typeof sharedCells>; generation: number } {
    let c = this.cells.get(requestId);
    if (!c) this.cells.set(requestId, (c = { cells: sharedCells(), generation: ++this.generations }));
    return c;
  }

  async run(job: Job, task: Task): Promise<TaskResult> {
    if (TASK_DELAY_MS > 0) await new Promise((r) => setTimeout(r, TASK_DELAY_MS));
    const c = this.cellsOf(job.requestId);
    return this.pool.run({
      job, task, generation: c.generation,
      data: {
        nowNs: BigInt(Date.now()) * 1_000_000n, verbose: false, memory: c.cells.memory, limiterMemory: BandwidthLimiter.sharedMemory(),
        corruptOnce: (process.env.BARGE_TEST_CORRUPT_ONCE ?? '').split('\n').filter((s) => s !== ''),
        corruptAlways: (process.env.BARGE_TEST_CORRUPT_ALWAYS ?? '').split('\n').filter((s) => s !== ''),
      },
    });
  }

  cancel(requestId: string): void {
    const c = this.cells.get(requestId);
    if (!c) return;
    Atomics.store(c.cells.flags, CELL_ABORT, 1);
    this.cells.delete(requestId); // tasks in flight keep the old cells; later tasks (a retry) get new ones
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
