// An agent's lease loop, the same for the built-in agent of `barge serve` and for
// `barge agent --coordinator`: leases tasks up to its slots, runs them with the runner it
// is given (the engine of `barge sync` on worker threads), reports results in small
// batches and keeps its leases alive with heartbeats.
import { toErrorRecord } from '../core/errors.js';
import { bytesCopiedBy } from '../engine/task-result.js';
import type { Task, TaskResult } from '../core/task-types.js';
import type { AgentLink, LeasedWork, TaskReport } from '../core/agent-wire.js';
import type { JobRunner } from './job-runner.js';
import { NETWORK_BACKOFF } from '../core/backoff.js';
import type { LogSink } from '../core/log-sink.js';
import { RetryStreak } from '../core/retry-streak.js';

export interface LeaseLoopOptions {
  id: string;
  slots: number;
  /** how often to look for work when there was none */
  pollMs: number;
  heartbeatMs: number;
  runner: JobRunner;
  /** failures of leases, heartbeats and reports: a line when each starts failing, per backoff step, and when it works again */
  log: LogSink;
  /** who the loop talks to, in its log lines: "the coordinator", "the database" */
  peer: string;
}

const REPORT_BATCH = 64;
/** a failed report is sent again soon (the task is done; its result should not wait), then less often */
const REPORT_BACKOFF = { initialMs: 500, maxMs: 10_000, jitter: 0.2 };

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
  private stopWait: (() => void) | undefined;
  /** aborted by stop(): a lease's long poll would hold the agent's exit for up to its wait */
  private readonly stopping = new AbortController();
  /** heartbeats go on while stop() waits for the tasks in flight: their leases must not run out */
  private beatsOver = false;
  private readonly leases: RetryStreak;
  private readonly beats: RetryStreak;
  private readonly reports: RetryStreak;

  constructor(private readonly link: AgentLink, private readonly o: LeaseLoopOptions) {
    this.leases = new RetryStreak({ failing: `cannot lease from ${o.peer}`, recovered: `leasing from ${o.peer} again` }, o.log, NETWORK_BACKOFF);
    this.beats = new RetryStreak({ failing: `heartbeats to ${o.peer} fail`, recovered: `heartbeats reach ${o.peer} again` }, o.log, NETWORK_BACKOFF);
    this.reports = new RetryStreak({ failing: `cannot report results to ${o.peer}`, recovered: `results reach ${o.peer} again` }, o.log, REPORT_BACKOFF);
  }

  start(): void {
    const offCancel = this.link.onCancel((id) => this.o.runner.cancel(id));
    const offWork = this.link.onWork?.(() => this.poke());
    this.unsubscribe = () => { offCancel(); offWork?.(); };
    this.heartbeat(this.o.heartbeatMs);
    this.loop = this.run();
  }

  /** the next heartbeat in `ms`; one that fails is tried again after its backoff, if that is sooner */
  private heartbeat(ms: number): void {
    if (this.beatsOver) return;
    this.beat = setTimeout(() => {
      this.link.heartbeat(this.o.id, this.running, [...this.held])
        .then(() => { this.beats.succeeded(); return this.o.heartbeatMs; }, (e: unknown) => Math.min(this.o.heartbeatMs, this.beats.failed(e)))
        .then((next) => this.heartbeat(next), () => undefined);
      // reports that failed (the coordinator or its database away) are sent again
      if (this.pending.length > 0 && !this.flushing) void this.flush();
    }, ms);
  }

  stats(): AgentTaskStats {
    return { running: this.running, slots: this.o.slots, done: this.done, ...this.totals };
  }

  /** stop leasing, let the tasks in flight finish and report them */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort(new Error('the agent is stopping'));
    this.poke();
    this.stopWait?.();
    await this.loop;
    while (this.running > 0) await this.sleep(20);
    await this.flush();
    this.beatsOver = true;
    clearTimeout(this.beat);
    clearTimeout(this.retryTimer);
    this.unsubscribe?.();
    await this.o.runner.close();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const free = this.o.slots - this.running;
      let got: LeasedWork[] = [];
      if (free > 0) {
        try {
          got = await this.link.lease(this.o.id, free, this.stopping.signal);
          this.leases.succeeded();
        } catch (e) {
          if (this.stopped) break; // the wait that stop() ended
          // not at the poll's pace: the next try waits its backoff, which a finished task does not cut short
          await this.backOff(this.leases.failed(e));
          continue;
        }
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
      }, (e: unknown) => this.o.log.error({ cause: String(e) }, `task ${w.taskId}: ${e instanceof Error ? e.message : String(e)}`));
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
      let failure: { e: unknown } | undefined;
      this.flushing = this.link.report(this.o.id, batch)
        .then(() => { sent = true; for (const r of batch) this.held.delete(r.taskId); }, (e: unknown) => { failure = { e }; })
        .finally(() => { this.flushing = undefined; });
      await this.flushing;
      this.poke();
      if (!sent) { this.pending.unshift(...batch); this.retryLater(this.reports.failed(failure?.e)); return; }
      this.reports.succeeded();
    }
  }

  /** a failed report is sent again soon, then less often (500 ms doubling to 10 s, ±20%), and by every heartbeat */
  private retryLater(ms: number): void {
    if (this.retryTimer !== undefined) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.flushing) void this.flush();
    }, ms);
    this.retryTimer.unref();
  }

  /** wait `ms` after a failure; only stop() ends the wait early */
  private backOff(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((res) => {
      const t = setTimeout(() => { this.stopWait = undefined; res(); }, ms);
      this.stopWait = () => { clearTimeout(t); this.stopWait = undefined; res(); };
    });
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
