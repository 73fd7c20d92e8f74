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

/** `In` is what a worker is sent per task: a Task for `barge sync`, a task with its job for a service */
export class WorkerPool<In = Task> {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly waiting: { task: In; p: Pending }[] = [];
  private readonly busy = new Map<Worker, Pending>();
  private failure: Error | undefined;

  /** threads start when work first waits for one: a small run never pays for idle threads */
  constructor(private readonly entry: URL, private readonly workerData: unknown, readonly capacity: number) {}

  get started(): number {
    return this.workers.length;
  }

  private spawn(): Worker {
    const w = new Worker(this.entry, { workerData: this.workerData });
    w.on('message', (r: TaskResult) => this.done(w, r));
    w.on('error', (e: Error) => this.crashed(w, e));
    w.on('exit', (code) => { if (code !== 0) this.crashed(w, new Error(`worker exited with code ${code}`)); });
    this.workers.push(w);
    return w;
  }

  /** start every thread now, when the caller knows work is coming (each takes tens of ms to boot) */
  warm(): void {
    while (!this.failure && this.workers.length < this.capacity) this.idle.push(this.spawn());
  }

  run(task: In): Promise<TaskResult> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const p = { resolve, reject };
      const w = this.idle.pop() ?? (this.workers.length < this.capacity ? this.spawn() : undefined);
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
