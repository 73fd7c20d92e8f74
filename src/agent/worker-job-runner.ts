// Runs an agent's tasks on worker threads (task-thread.ts), each with its job and the
// job's roots on this host; each job has its own shared cells, so canceling a request
// stops its tasks and no other.
import type { Job } from '../core/agent-wire.js';
import type { JobRoots, RootedRunner } from './job-runner.js';
import { BandwidthLimiter } from '../engine/bandwidth-limiter.js';
import { raiseAbort, sharedCells } from '../engine/run-context.js';
import type { Task, TaskResult } from '../core/task-types.js';
import { WorkerPool } from '../engine/worker-pool.js';
import type { SyncWorkerData } from './build-run-context.js';
import { shareFileList } from './shared-file-list.js';

export interface ServiceJobMessage {
  job: Job;
  roots: JobRoots;
  /** a request's cells are replaced when it is canceled: a retry must not inherit the abort */
  generation: number;
  task: Task;
  data: Omit<SyncWorkerData, 'src' | 'dst' | 'opts'>;
  /** the job's file list (opts.filter.filesFrom), NUL-separated bytes (name-bytes.ts) in memory every thread shares */
  files?: SharedArrayBuffer;
  /** PEM of the CA that signed the certificates of agents whose data plane speaks TLS (else the system's CAs) */
  pushCa?: string;
}

/** requests whose file lists are kept shared (as many as a thread keeps run contexts) */
const LISTS_KEPT = 16;

export class WorkerJobRunner implements RootedRunner {
  private readonly pool: WorkerPool<ServiceJobMessage>;
  private readonly cells = new Map<string, { cells: ReturnType<typeof sharedCells>; generation: number }>();
  private generations = 0;
  /** per request: its options without the file list, and the list shared once */
  private readonly lists = new Map<string, { opts: Job['opts']; files: SharedArrayBuffer }>();

  /** `pushCa`: the CA trusted when a push goes to an agent whose data plane speaks TLS */
  constructor(threads: number, private readonly pushCa?: string) {
    this.pool = new WorkerPool<ServiceJobMessage>(new URL('./task-thread.js', import.meta.url), {}, threads);
  }

  private cellsOf(requestId: string): { cells: ReturnType<typeof sharedCells>; generation: number } {
    let c = this.cells.get(requestId);
    if (!c) this.cells.set(requestId, (c = { cells: sharedCells(), generation: ++this.generations }));
    return c;
  }

  run(job: Job, roots: JobRoots, task: Task): Promise<TaskResult> {
    const c = this.cellsOf(job.requestId);
    const list = this.listOf(job);
    return this.pool.run({
      job: list ? { ...job, opts: list.opts } : job, roots, task, generation: c.generation,
      data: { nowNs: BigInt(Date.now()) * 1_000_000n, verbose: false, memory: c.cells.memory, limiterMemory: BandwidthLimiter.sharedMemory() },
      ...(list ? { files: list.files } : {}),
      ...(job.push?.tls === true && this.pushCa !== undefined ? { pushCa: this.pushCa } : {}),
    });
  }

  /** a message is copied to its thread: a request's file list (up to a million paths) goes once, as shared memory */
  private listOf(job: Job): { opts: Job['opts']; files: SharedArrayBuffer } | undefined {
    const files = job.opts.filter.filesFrom;
    if (files === undefined) return undefined;
    let l = this.lists.get(job.requestId);
    if (!l) {
      const filter = { ...job.opts.filter };
      delete filter.filesFrom;
      l = { opts: { ...job.opts, filter }, files: shareFileList(files) };
      if (this.lists.size >= LISTS_KEPT) this.lists.delete(this.lists.keys().next().value as string);
      this.lists.set(job.requestId, l);
    }
    return l;
  }

  cancel(requestId: string): void {
    const c = this.cells.get(requestId);
    if (!c) return;
    raiseAbort(c.cells.flags);
    this.cells.delete(requestId); // tasks in flight keep the old cells; later tasks (a retry) get new ones
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
