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
  task: Task;
  data: Omit<SyncWorkerData, 'srcRoot' | 'dstRoot' | 'opts'>;
}

/** test hook: hold every task this long before it runs, so a test can stop the service mid-request */
const TASK_DELAY_MS = Number(process.env.BARGE_TEST_TASK_DELAY_MS ?? 0);

export class WorkerJobRunner implements JobRunner {
  private readonly pool: WorkerPool<ServiceJobMessage>;
  private readonly cells = new Map<string, ReturnType<typeof sharedCells>>();

  constructor(threads: number) {
    this.pool = new WorkerPool<ServiceJobMessage>(new URL('./service-worker.js', import.meta.url), {}, threads);
  }

  private cellsOf(requestId: string): ReturnType<typeof sharedCells> {
    let c = this.cells.get(requestId);
    if (!c) this.cells.set(requestId, (c = sharedCells()));
    return c;
  }

  async run(job: Job, task: Task): Promise<TaskResult> {
    if (TASK_DELAY_MS > 0) await new Promise((r) => setTimeout(r, TASK_DELAY_MS));
    const c = this.cellsOf(job.requestId);
    return this.pool.run({
      job, task,
      data: {
        nowNs: BigInt(Date.now()) * 1_000_000n, verbose: false, memory: c.memory, limiterMemory: BandwidthLimiter.sharedMemory(),
        corruptOnce: (process.env.BARGE_TEST_CORRUPT_ONCE ?? '').split('\n').filter((s) => s !== ''),
        corruptAlways: (process.env.BARGE_TEST_CORRUPT_ALWAYS ?? '').split('\n').filter((s) => s !== ''),
      },
    });
  }

  cancel(requestId: string): void {
    Atomics.store(this.cellsOf(requestId).flags, CELL_ABORT, 1);
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
