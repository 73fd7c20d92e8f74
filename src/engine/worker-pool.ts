// A fixed set of worker threads that run tasks, one at a time each; results come back
// as promises. Which code a worker runs (and so which storage it wires) is the caller's.
import { parentPort, Worker, workerData } from 'node:worker_threads';
import type { Task, TaskResult } from '../core/task-types.js';

export interface TaskExecutor {
  readonly capacity: number;
  run(task: Task): Promise<TaskResult>;
  close(): Promise<void>;
}

interface Pending {
  resolve: (r: TaskResult) => void;
  reject: (e: Error) => void;
}

/** what a worker entry posts once its modules are loaded, when its pool waits for that */
export const WORKER_READY = 'barge:worker-ready';

/** the workerData of a thread started before its data was known: its pool sends the data */
const DATA_LATER = 'barge:data-later';

interface DataMessage {
  workerData: unknown;
}

/** what EarlyThreads.post sends a thread before its data */
interface EarlyMessage {
  early: unknown;
}

/**
 * In a worker entry: the thread's data, given at its start or, for a thread started
 * early (EarlyThreads), sent by the pool that took it. Messages posted to the early
 * threads before that (EarlyThreads.post) go to `onEarly`, in order.
 */
export function receiveWorkerData(onEarly?: (message: unknown) => void): Promise<unknown> {
  const port = parentPort;
  if (workerData !== DATA_LATER || !port) return Promise.resolve(workerData);
  return new Promise((resolve) => {
    const take = (m: DataMessage | EarlyMessage): void => {
      if ('early' in m) { onEarly?.(m.early); return; }
      port.off('message', take);
      resolve(m.workerData);
    };
    port.on('message', take);
  });
}

/**
 * Threads started before their pool exists, for a caller that knows early that it will
 * want some: each loads its modules (~110 ms here) while the caller loads its own. They
 * do not keep the process alive, and a pool takes them with `early`.
 */
export class EarlyThreads {
  private readonly live = new Map<Worker, () => void>();

  constructor(readonly entry: URL, count: number) {
    this.grow(count);
  }

  /** starts more, up to `count` live threads in all */
  grow(count: number): void {
    while (this.live.size < count) {
      const w = new Worker(this.entry, { workerData: DATA_LATER });
      w.unref();
      // one that fails before it is taken is dropped; a pool then starts a fresh one, which reports
      const gone = (): void => { this.live.delete(w); };
      w.on('error', gone);
      w.on('exit', gone);
      this.live.set(w, gone);
    }
  }

  /** a message to every live thread, before its data: the entry's receiveWorkerData hands it to its onEarly */
  post(message: unknown): void {
    for (const w of this.live.keys()) w.postMessage({ early: message } satisfies EarlyMessage);
  }

  /** threads started and not failed */
  get count(): number {
    return this.live.size;
  }

  /** up to `count` live threads, now the caller's; the rest are stopped */
  take(count: number): Worker[] {
    const taken: Worker[] = [];
    for (const [w, gone] of this.live) {
      w.off('error', gone);
      w.off('exit', gone);
      if (taken.length < count) taken.push(w);
      else void w.terminate();
    }
    this.live.clear();
    return taken;
  }
}

/** `In` is what a worker is sent per task: a Task for `barge sync`, a task with its job for a service */
export class WorkerPool<In = Task> {
  private readonly workers: Worker[] = [];
  private readonly idleWorkers: Worker[] = [];
  private readonly waiting: { task: In; p: Pending }[] = [];
  private readonly busy = new Map<Worker, Pending>();
  private booting = 0;
  private failure: Error | undefined;

  /**
   * Threads start when work first waits for one: a small run never pays for idle threads.
   * With `announcesReady` the entry posts WORKER_READY once loaded, and a thread gets
   * tasks only from then on, so that the caller knows how many can take work now.
   * `early` are threads of `entry` started before the data was known (EarlyThreads.take):
   * they are sent it now and count as started.
   */
  constructor(private readonly entry: URL, private readonly workerData: unknown, readonly capacity: number,
    private readonly opts: { announcesReady?: boolean; early?: Worker[] } = {}) {
    const early = opts.early ?? [];
    for (const w of early.slice(capacity)) void w.terminate();
    for (const w of early.slice(0, capacity)) {
      w.ref();
      w.postMessage({ workerData } satisfies DataMessage);
      this.adopt(w);
      if (!opts.announcesReady) this.idleWorkers.push(w);
    }
  }

  get started(): number {
    return this.workers.length;
  }

  /** ready threads with no task */
  get idle(): number {
    return this.idleWorkers.length;
  }

  /** threads that can take a task now or once their current one ends */
  get ready(): number {
    return this.workers.length - this.booting;
  }

  private spawn(): Worker {
    return this.adopt(new Worker(this.entry, { workerData: this.workerData }));
  }

  private adopt(w: Worker): Worker {
    w.on('message', (r: TaskResult | typeof WORKER_READY) => {
      if (r !== WORKER_READY) this.done(w, r);
      else if (this.opts.announcesReady) this.booted(w);
    });
    w.on('error', (e: Error) => this.crashed(w, e));
    w.on('exit', (code) => { if (code !== 0) this.crashed(w, new Error(`worker exited with code ${code}`)); });
    this.workers.push(w);
    if (this.opts.announcesReady) this.booting++;
    return w;
  }

  private booted(w: Worker): void {
    this.booting--;
    const next = this.waiting.shift();
    if (next) this.start(w, next.task, next.p);
    else this.idleWorkers.push(w);
  }

  /** start every thread now, when the caller knows work is coming (each takes tens of ms to boot) */
  warm(): void {
    while (!this.failure && this.workers.length < this.capacity) {
      const w = this.spawn();
      if (!this.opts.announcesReady) this.idleWorkers.push(w);
    }
  }

  /**
   * A task that finds no idle thread starts one while there is room, unless `grow` is
   * false: then it waits for a thread that is started (booting or busy), as work too light
   * to pay for a thread's start should. With no thread at all, one is started regardless.
   */
  run(task: In, grow = true): Promise<TaskResult> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const p = { resolve, reject };
      let w = this.idleWorkers.pop();
      if (!w && this.workers.length < this.capacity && (grow || this.workers.length === 0)) {
        const fresh = this.spawn();
        if (!this.opts.announcesReady) w = fresh;
      }
      if (w) this.start(w, task, p);
      else this.waiting.push({ task, p });
    });
  }

  /**
   * Takes back the first task still waiting for a thread that `wanted` accepts, for the
   * caller to run itself and settle with `resolve`.
   */
  steal(wanted: (task: In) => boolean): { task: In; resolve: (r: TaskResult) => void } | undefined {
    const i = this.waiting.findIndex((q) => wanted(q.task));
    if (i < 0) return undefined;
    const [q] = this.waiting.splice(i, 1);
    return q && { task: q.task, resolve: q.p.resolve };
  }

  private start(w: Worker, task: In, p: Pending): void {
    this.busy.set(w, p);
    w.postMessage(task);
  }

  private done(w: Worker, r: TaskResult): void {
    const p = this.busy.get(w);
    this.busy.delete(w);
    const next = this.waiting.shift();
    if (next) this.start(w, next.task, next.p);
    else this.idleWorkers.push(w);
    p?.resolve(r);
  }

  private crashed(w: Worker, e: Error): void {
    this.failure ??= e;
    const p = this.busy.get(w);
    this.busy.delete(w);
    p?.reject(e);
    for (const q of this.waiting.splice(0)) q.p.reject(e);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
