// A fixed set of worker threads that run tasks, one at a time each; results come back
// as promises. Which code a worker runs (and so which storage it wires) is the caller's.
import { Worker } from 'node:worker_threads';
import type { Task, TaskResult } from './task-types.js';

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

/** `In` is what a worker is sent per task: a Task for `barge sync`, a task with its job for a service */
export class WorkerPool<In = Task> {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly waiting: { task: In; p: Pending }[] = [];
  private readonly busy = new Map<Worker, Pending>();
  private booting = 0;
  private failure: Error | undefined;

  /**
   * Threads start when work first waits for one: a small run never pays for idle threads.
   * With `announcesReady` the entry posts WORKER_READY once loaded, and a thread gets
   * tasks only from then on, so that the caller knows how many can take work now.
   */
  constructor(private readonly entry: URL, private readonly workerData: unknown, readonly capacity: number,
    private readonly opts: { announcesReady?: boolean } = {}) {}

  get started(): number {
    return this.workers.length;
  }

  /** threads that can take a task now or once their current one ends */
  get ready(): number {
    return this.workers.length - this.booting;
  }

  private spawn(): Worker {
    const w = new Worker(this.entry, { workerData: this.workerData });
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
    else this.idle.push(w);
  }

  /** start every thread now, when the caller knows work is coming (each takes tens of ms to boot) */
  warm(): void {
    while (!this.failure && this.workers.length < this.capacity) {
      const w = this.spawn();
      if (!this.opts.announcesReady) this.idle.push(w);
    }
  }

  run(task: In): Promise<TaskResult> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const p = { resolve, reject };
      let w = this.idle.pop();
      if (!w && this.workers.length < this.capacity) {
        const fresh = this.spawn();
        if (!this.opts.announcesReady) w = fresh;
      }
      if (w) this.start(w, task, p);
      else this.waiting.push({ task, p });
    });
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
    else this.idle.push(w);
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
