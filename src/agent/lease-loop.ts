// An agent's lease loop, the same for the built-in agent of `barge serve` and for
// `barge agent --coordinator`: leases tasks up to its slots, runs them with the runner it
// is given (the engine of `barge sync` on worker threads), reports results in small
// batches and keeps its leases alive with heartbeats.
import { toErrorRecord } from '../core/errors.js';
import { bytesCopiedBy } from '../engine/task-result.js';
import type { Task, TaskResult } from '../core/task-types.js';
import type { AgentLink, LeasedWork, TaskReport } from '../core/agent-wire.js';
import type { JobRunner } from './job-runner.js';

export interface LeaseLoopOptions {
  id: string;
  slots: number;
  /** how often to look for work when there was none */
  pollMs: number;
  heartbeatMs: number;
  runner: JobRunner;
  onError(e: unknown): void;
}

const REPORT_BATCH = 64;
const REPORT_RETRY_MIN_MS = 500;
const REPORT_RETRY_MAX_MS = 10_000;

/** what an agent's tasks did since it started, for metrics */
export interface AgentTaskStats {
  running: number;
  slots: number;
  /** tasks run to their end (reported), by kind */
  done: ReadonlyMap<string, number>;
  /** of those, tasks that ended with errors */
  failed: number;
  filesCopied: number;
  bytesCopied: number;
}

export class LeaseLoop {
  private running = 0;
  private stopped = false;
  private pending: TaskReport[] = [];
  private flushing: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private woken = false;
  private loop: Promise<void> | undefined;
  private beat: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly done = new Map<string, number>();
  /** the tasks this agent holds: leased and not yet reported (its heartbeats renew only these) */
  private readonly held = new Set<number>();
  private readonly totals = { failed: 0, filesCopied: 0, bytesCopied: 0 };
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs = 0;

  constructor(private readonly link: AgentLink, private readonly o: LeaseLoopOptions) {}

  start(): void {
    this.unsubscribe = this.link.onCancel((id) => this.o.runner.cancel(id));
    this.beat = setInterval(() => {
      this.link.heartbeat(this.o.id, this.running, [...this.held]).catch((e: unknown) => this.o.onError(e));
      // reports that failed (the coordinator or its database away) are sent again
      if (this.pending.length > 0 && !this.flushing) void this.flush();
    }, this.o.heartbeatMs);
    this.loop = this.run();
  }

  stats(): AgentTaskStats {
    return { running: this.running, slots: this.o.slots, done: this.done, ...this.totals };
  }

  /** stop leasing, let the tasks in flight finish and report them */
  async stop(): Promise<void> {
    this.stopped = true;
    this.poke();
    await this.loop;
    while (this.running > 0) await this.sleep(20);
    await this.flush();
    if (this.beat) clearInterval(this.beat);
    clearTimeout(this.retryTimer);
    this.unsubscribe?.();
    await this.o.runner.close();
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
    this.held.add(w.taskId);
    this.o.runner.run(w.job, w.task)
      .catch((e: unknown): TaskResult => ({ counters: { failed: 1 }, errors: [toErrorRecord(e)], events: [] }))
      .then((result) => {
        this.running--;
        this.count(w.task, result);
        this.pending.push({ taskId: w.taskId, result });
        // report at once; results that finish while a report is on its way go in the next one
        if (!this.flushing) void this.flush();
      }, (e: unknown) => this.o.onError(e));
  }

  private count(task: Task, r: TaskResult): void {
    this.done.set(task.kind, (this.done.get(task.kind) ?? 0) + 1);
    if (r.errors.length > 0) this.totals.failed++;
    this.totals.filesCopied += r.counters.filesCopied ?? 0;
    this.totals.bytesCopied += bytesCopiedBy(task, r);
  }

  /** sends what is pending; a report that fails stays pending for the next try (a heartbeat's) */
  private async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, REPORT_BATCH);
      let sent = false;
      this.flushing = this.link.report(this.o.id, batch)
        .then(() => { sent = true; for (const r of batch) this.held.delete(r.taskId); }, (e: unknown) => this.o.onError(e))
        .finally(() => { this.flushing = undefined; });
      await this.flushing;
      this.poke();
      if (!sent) { this.pending.unshift(...batch); this.retryLater(); return; }
      this.retryMs = 0;
    }
  }

  /** a failed report is sent again soon, then less often (500 ms doubling to 10 s), and by every heartbeat */
  private retryLater(): void {
    if (this.retryTimer !== undefined) return;
    this.retryMs = Math.min(REPORT_RETRY_MAX_MS, Math.max(REPORT_RETRY_MIN_MS, this.retryMs * 2));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.flushing) void this.flush();
    }, this.retryMs);
    this.retryTimer.unref();
  }

  /** wait for `ms` or an event, whichever is first; an event while not waiting is kept for the next wait */
  private sleep(ms: number): Promise<void> {
    if (this.woken) { this.woken = false; return Promise.resolve(); }
    return new Promise((res) => {
      const t = setTimeout(() => { this.wake = undefined; res(); }, ms);
      this.wake = () => { clearTimeout(t); this.wake = undefined; res(); };
    });
  }

  private poke(): void {
    if (this.wake) this.wake();
    else this.woken = true;
  }
}
