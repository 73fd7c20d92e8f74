// The built-in agent of `barge serve`: leases tasks up to its slots, runs them in this
// process with the engine of `barge sync`, reports results in small batches and keeps
// its leases alive with heartbeats.
import { toErrorRecord } from '../core/errors.js';
import { CELL_ABORT, type RunContext } from '../engine/run-context.js';
import type { Task, TaskResult } from '../engine/task-types.js';
import type { AgentLink, Job, LeasedWork, TaskReport } from './agent-link.js';

export interface LocalAgentOptions {
  id: string;
  slots: number;
  /** how often to look for work when there was none */
  pollMs: number;
  heartbeatMs: number;
  /** the run context of a job (storages, filter, options); built once per request */
  contextFor(job: Job): RunContext;
  runTask(ctx: RunContext, task: Task): Promise<TaskResult>;
  onError(e: unknown): void;
}

const REPORT_BATCH = 32;

export class LocalAgent {
  private running = 0;
  private stopped = false;
  private readonly contexts = new Map<string, { ctx: RunContext; users: number }>();
  private pending: TaskReport[] = [];
  private flushing: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private beat: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly link: AgentLink, private readonly o: LocalAgentOptions) {}

  start(): void {
    this.unsubscribe = this.link.onCancel((id) => {
      const c = this.contexts.get(id);
      if (c) Atomics.store(c.ctx.cells.flags, CELL_ABORT, 1);
    });
    this.beat = setInterval(() => { this.link.heartbeat(this.o.id, this.running).catch((e: unknown) => this.o.onError(e)); }, this.o.heartbeatMs);
    this.loop = this.run();
  }

  /** stop leasing, let the tasks in flight finish and report them */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    while (this.running > 0) await this.sleep(20);
    await this.flush();
    if (this.beat) clearInterval(this.beat);
    this.unsubscribe?.();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const free = this.o.slots - this.running;
      let got: LeasedWork[] = [];
      if (free > 0) {
        try { got = await this.link.lease(this.o.id, free); } catch (e) { this.o.onError(e); }
      }
      for (const w of got) this.start1(w);
      if (got.length === 0 || this.running >= this.o.slots) await this.sleep(got.length === 0 && this.running < this.o.slots ? this.o.pollMs : 1000);
    }
  }

  private start1(w: LeasedWork): void {
    this.running++;
    const c = this.context(w.job);
    this.o.runTask(c.ctx, w.task)
      .catch((e: unknown): TaskResult => ({ counters: { failed: 1 }, errors: [toErrorRecord(e)], events: [] }))
      .then((result) => {
        this.running--;
        if (--c.users === 0) this.contexts.delete(w.job.requestId);
        this.pending.push({ taskId: w.taskId, result });
        // report now when the queue is idle, so the tasks a result leads to are leased soon
        if (this.pending.length >= REPORT_BATCH || this.running === 0) void this.flush();
        else setTimeout(() => { void this.flush(); }, 5);
      }, (e: unknown) => this.o.onError(e));
  }

  private context(job: Job): { ctx: RunContext; users: number } {
    let c = this.contexts.get(job.requestId);
    if (!c) {
      c = { ctx: this.o.contextFor(job), users: 0 };
      this.contexts.set(job.requestId, c);
    }
    c.users++;
    return c;
  }

  private async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.flushing = this.link.report(this.o.id, batch).catch((e: unknown) => this.o.onError(e)).finally(() => { this.flushing = undefined; });
    await this.flushing;
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((res) => {
      const t = setTimeout(() => { this.wake = undefined; res(); }, ms);
      this.wake = () => { clearTimeout(t); this.wake = undefined; res(); };
    });
  }
}
