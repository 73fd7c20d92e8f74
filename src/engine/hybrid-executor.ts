// Runs metadata tasks (scans, links, deletes, directory times) in the calling thread,
// and file content on the worker pool. Scans go to the threads once the pool runs anyway
// (copies started every thread, or one is idle) or the walk has proved long enough to be
// worth sharing: a thread costs ~110 ms of CPU to start, more than a whole no-op sync of
// 20,000 files takes to scan. While no thread can take work (none started, or all still
// booting, ~110 ms here), this thread copies small batches itself rather than wait. A
// copy batch too light to be worth a thread's start never starts one: a re-sync that finds
// a file changed here and there waits for a thread already started, or copies it here.
import type { RunContext } from './run-context.js';
import { runTask } from './task-runner.js';
import type { Task, TaskResult } from '../core/task-types.js';
import type { TaskExecutor } from './worker-pool.js';

const INLINE_KINDS = new Set<Task['kind']>(['scan', 'link', 'delete', 'dirmeta']);
/** a walk still going after this long gets the worker threads too */
const SHARE_WALK_AFTER_MS = 400;
/** a copy batch this thread takes while no worker is ready: a few ms of work, so that it
 * is back to hand out tasks soon after the threads are */
const BOOT_COPY_MAX_BYTES = 4 * 1024 * 1024;
/** a copy batch of fewer files than this, and of at most BOOT_COPY_MAX_BYTES, starts no
 * thread: a few ms of work against ~110 ms of CPU for the thread (a re-sync of 20,000 small
 * files with 1% of them changed took 0.47-0.59 s when each such file could start one) */
const LIGHT_COPY_MAX_FILES = 16;

/** the pool as the executor sees it */
export interface ThreadPool {
  readonly capacity: number;
  /** threads started, booting or not */
  readonly started: number;
  /** threads that can take tasks */
  readonly ready: number;
  /** ready threads with no task */
  readonly idle: number;
  /** `grow`: whether the task may start a thread when none is idle (see WorkerPool.run) */
  run(task: Task, grow?: boolean): Promise<TaskResult>;
  /** the first task still waiting for a thread that `wanted` accepts, taken back (see WorkerPool.steal) */
  steal(wanted: (task: Task) => boolean): { task: Task; resolve: (r: TaskResult) => void } | undefined;
  warm(): void;
  close(): Promise<void>;
}

function smallCopy(task: Task): boolean {
  if (task.kind !== 'copy') return false;
  let bytes = 0;
  for (const f of task.files) bytes += f.src.size;
  return bytes <= BOOT_COPY_MAX_BYTES;
}

function lightCopy(task: Task): boolean {
  return task.kind === 'copy' && task.files.length < LIGHT_COPY_MAX_FILES && smallCopy(task);
}

export class HybridExecutor implements TaskExecutor {
  private inlineBusy = false;
  private readonly inlineQueue: { task: Task; resolve: (r: TaskResult) => void }[] = [];
  private readonly started = Date.now();

  constructor(private readonly ctx: RunContext, private readonly pool: ThreadPool) {}

  get capacity(): number {
    return this.pool.capacity + 1;
  }

  run(task: Task): Promise<TaskResult> {
    if (!INLINE_KINDS.has(task.kind)) {
      // no thread can take it yet (none started, or all still booting): copy a small
      // batch here (at most one waiting, so that this thread stays free to hand out
      // tasks); when more come than that, the pool starts threads for them. A re-sync
      // with a few changed files never waits for a thread to boot.
      // (not under --bwlimit: its waits would block this thread's event loop)
      if (this.pool.ready === 0 && this.inlineQueue.length === 0 && !this.ctx.limiter && smallCopy(task)) return this.inline(task);
      // while the pool has fewer threads than it may, a light copy runs where it runs
      // first: an idle thread, else this one if free (once every thread is started, this
      // thread only hands out work: with copies of its own, the mixed set's initial copy
      // took 0.89-1.10 s against 0.90-0.96 s in one alternating run of 5)
      const light = lightCopy(task);
      if (light && !this.ctx.limiter && !this.inlineBusy && !this.poolRuns()) return this.inline(task);
      return light ? this.pool.run(task, false) : this.heavyToPool(task);
    }
    // once the pool runs (every thread started, or one idle), scans go there too: a scan
    // in a worker copies its directory's small files itself. Only a long walk makes the
    // pool start threads for scans: a short no-op sync starts none beyond those it has.
    const poolRuns = this.poolRuns();
    if (task.kind === 'scan' && this.pool.ready > 0 && poolRuns) return this.pool.run(task);
    if (this.inlineBusy) {
      if (poolRuns || Date.now() - this.started > SHARE_WALK_AFTER_MS) return this.pool.run(task);
      // this thread is busy: a ready thread that no heavy copy holds shares the walk (after
      // its light copies), and no thread is started for it
      if (this.pool.ready > this.heavyInPool) return this.pool.run(task, false);
    }
    return this.inline(task);
  }

  private poolRuns(): boolean {
    return this.pool.idle > 0 || this.pool.started >= this.pool.capacity;
  }

  /**
   * What this thread, now free, takes back from the pool's queue while the pool does not
   * run (not every thread started, none idle): a light copy, or a scan or metadata task
   * sent there while this thread was busy. Once it runs, its threads' scans copy their
   * directories' small files themselves, and this thread hands out work.
   */
  private stealable = (task: Task): boolean =>
    !this.poolRuns() && (INLINE_KINDS.has(task.kind) || (!this.ctx.limiter && lightCopy(task)));

  /** content tasks other than light copies, sent to the pool and not yet done */
  private heavyInPool = 0;

  private heavyToPool(task: Task): Promise<TaskResult> {
    this.heavyInPool++;
    return this.pool.run(task).finally(() => { this.heavyInPool--; });
  }

  private inline(task: Task): Promise<TaskResult> {
    return new Promise((resolve) => {
      this.inlineQueue.push({ task, resolve });
      if (!this.inlineBusy) this.runInline();
    });
  }

  private runInline(): void {
    const next = this.inlineQueue.shift() ?? this.pool.steal(this.stealable);
    if (!next) { this.inlineBusy = false; return; }
    this.inlineBusy = true;
    // setImmediate: results already queued are handled first, and stacks stay shallow
    setImmediate(() => {
      void runTask(this.ctx, next.task).then(next.resolve).finally(() => this.runInline());
    });
  }

  /** the threads boot while this thread walks the first directories */
  warm(): void {
    this.pool.warm();
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
