// The coordinator's side of the agents: leases (with each task's job), results turned
// into database changes, heartbeats, and word of cancellations.
import { cleanUpLatePrepares } from './cancel-cleanup.js';
import { EventEmitter } from 'node:events';
import { parseWithBigints } from '../core/json-bigint.js';
import type { AgentLink, Job, LeasedWork, TaskReport } from '../core/agent-wire.js';
import type { Completion, LeasedTask, StateStore } from '../state/state-store.js';
import type { EndpointConfig, RetryConfig } from '../config/service-config.js';
import { splitEndpointPath } from '../core/endpoint-path.js';
import type { RequestSpec } from '../core/request-types.js';
import { Dispatcher } from './dispatcher.js';
import { asLeased, decodeTask, type DeleteMarker, type ServiceTask } from './service-task.js';
import { syncOptionsOf } from './spec-options.js';
import { taskOutcome } from './task-outcome.js';

export interface AgentServiceOptions {
  endpoints: ReadonlyMap<string, EndpointConfig>;
  retry: RetryConfig;
  leaseMs: number;
  transfers: number;
  asRoot: boolean;
  now(): number;
  /** a request's tasks finished: its phase may be over */
  onProgress(requestIds: string[]): void;
  /** told of every lease handed out (test set-up counts which agent ran what) */
  onLeased?: (agentId: string, work: readonly LeasedWork[]) => void;
  /** chunk files from this size, in chunks of a quarter of it, whatever the defaults (test set-up) */
  chunkCutoff?: number;
}

interface Held {
  lease: LeasedTask;
  task: ServiceTask & DeleteMarker;
  job: Job;
}

export class AgentService implements AgentLink {
  private readonly held = new Map<number, Held>();
  private readonly jobs = new Map<string, Job>();
  private readonly events = new EventEmitter();
  readonly moved = { bytes: 0, files: 0 };
  /** the same per agent that reported (the dashboard's rate of each agent) */
  readonly movedBy = new Map<string, { bytes: number; files: number }>();
  private readonly dispatcher: Dispatcher;

  constructor(private readonly store: StateStore, private readonly o: AgentServiceOptions) {
    this.dispatcher = new Dispatcher(store);
    this.events.setMaxListeners(0);
  }

  async lease(agentId: string, capacity: number): Promise<LeasedWork[]> {
    return this.leaseFor(agentId, capacity, undefined);
  }

  /** an in-process agent's link: it leases only requests between endpoints it serves (it copies locally) */
  localLink(endpoints: readonly string[]): AgentLink {
    return {
      lease: (agentId, capacity) => this.leaseFor(agentId, capacity, undefined, endpoints),
      report: (agentId, reports) => this.report(agentId, reports),
      heartbeat: (agentId, running, held) => this.heartbeat(agentId, running, held),
      onCancel: (listener) => this.onCancel(listener),
      onWork: (listener) => {
        this.events.on('work', listener);
        return () => this.events.off('work', listener);
      },
    };
  }

  /** tasks were queued: in-process agents lease again now rather than at their next poll */
  workQueued(): void {
    this.events.emit('work');
  }

  /** requests: only tasks of these (where placement lets the agent work) */
  /** startable: how many of them the agent starts at once (DispatchOptions.startable) */
  async leaseFor(agentId: string, capacity: number, requests: string[] | undefined, endpoints?: readonly string[], startable?: number): Promise<LeasedWork[]> {
    const t0 = process.hrtime.bigint();
    const leased = await this.dispatcher.lease(agentId, {
      capacity, leaseMs: this.o.leaseMs, ...(requests ? { requests } : {}), ...(endpoints ? { endpoints } : {}), ...(startable !== undefined ? { startable } : {}),
    }, this.o.now());
    this.events.emit('lease', Number(process.hrtime.bigint() - t0) / 1e9);
    const out: LeasedWork[] = [];
    for (const l of leased) {
      const job = await this.jobOf(l.requestId);
      const task = asLeased(decodeTask(l.payload), l.attempts);
      this.held.set(l.id, { lease: l, task, job });
      out.push({ taskId: l.id, task, job });
    }
    if (out.length > 0) this.o.onLeased?.(agentId, out);
    return out;
  }

  /** readBack: a task this process did not lease (a remote agent's, from before a restart) */
  async report(agentId: string, reports: TaskReport[], readBack?: (taskId: number) => Promise<LeasedTask | undefined>): Promise<void> {
    const now = this.o.now();
    const done: { taskId: number; completion: Completion }[] = [];
    /** per entry of `done`: the partial a prepare made (its report is dropped if the request was canceled meanwhile) */
    const prepared: ({ requestId: string; partial: { rel: string; owner: string } } | undefined)[] = [];
    const requests = new Set<string>();
    for (const r of reports) {
      let h = this.held.get(r.taskId);
      if (!h && readBack) {
        const lease = await readBack(r.taskId);
        if (lease) h = { lease, task: decodeTask(lease.payload), job: await this.jobOf(lease.requestId) };
      }
      if (!h) continue; // leased before a restart by an agent that died with it: the lease expires and the task runs again
      requests.add(h.job.requestId);
      prepared.push(h.task.kind === 'prepare' && r.result.partialOwner !== undefined
        ? { requestId: h.job.requestId, partial: { rel: h.task.file.rel, owner: r.result.partialOwner } } : undefined);
      done.push({
        taskId: r.taskId,
        completion: taskOutcome({ task: h.task, phase: h.lease.phase, attempts: h.lease.attempts, result: r.result, opts: h.job.opts, retry: this.o.retry, now,
          holdForStaging: this.o.endpoints.get(h.job.src.endpoint)?.kind === 'archive' }),
      });
    }
    // forgotten only once recorded: a report that fails (the database away or full) is sent again
    const ok = await this.store.completeMany(agentId, done, now);
    for (const d of done) this.held.delete(d.taskId);
    ok.forEach((accepted, i) => {
      if (!accepted) return;
      const c = done[i]?.completion.counters ?? {};
      this.moved.bytes += c.bytesCopied ?? 0;
      this.moved.files += c.filesCopied ?? 0;
      const by = this.movedBy.get(agentId) ?? { bytes: 0, files: 0 };
      by.bytes += c.bytesCopied ?? 0;
      by.files += c.filesCopied ?? 0;
      this.movedBy.set(agentId, by);
    });
    const late = prepared.filter((p, i) => p !== undefined && ok[i] === false) as { requestId: string; partial: { rel: string; owner: string } }[];
    if (late.length > 0) await cleanUpLatePrepares(this.store, late, now);
    this.o.onProgress([...requests]);
  }

  /** held: the tasks the agent says it holds; the leases of others it lost track of run out */
  async heartbeat(agentId: string, running: number, held?: readonly number[]): Promise<void> {
    const now = this.o.now();
    await this.store.heartbeat(agentId, running, now);
    await this.store.extendLeases(agentId, this.o.leaseMs, now, held);
  }

  onCancel(listener: (requestId: string) => void): () => void {
    this.events.on('cancel', listener);
    return () => this.events.off('cancel', listener);
  }

  canceled(requestId: string): void {
    this.jobs.delete(requestId);
    this.events.emit('cancel', requestId);
  }

  onLease(listener: (seconds: number) => void): () => void {
    this.events.on('lease', listener);
    return () => this.events.off('lease', listener);
  }

  private async jobOf(requestId: string): Promise<Job> {
    const known = this.jobs.get(requestId);
    if (known) return known;
    const r = await this.store.getRequest(requestId);
    if (!r) throw new Error(`leased a task of request ${requestId}, which does not exist`);
    const spec = parseWithBigints<RequestSpec & { filesListed?: number }>(r.spec);
    if (spec.filesListed !== undefined && spec.files === undefined) {
      const files = await this.store.requestFiles(requestId);
      if (files === undefined) throw new Error(`request ${requestId} lists ${spec.filesListed} files, and the database holds no list`);
      spec.files = JSON.parse(files) as string[];
    }
    const src = splitEndpointPath(r.source, 'source');
    const dst = splitEndpointPath(r.destination, 'destination');
    const job: Job = {
      requestId,
      src: { endpoint: src.name, path: src.rel.slice(1) },
      dst: { endpoint: dst.name, path: dst.rel.slice(1) },
      opts: syncOptionsOf(spec, { transfers: this.o.transfers, asRoot: this.o.asRoot, chunkCutoff: this.o.chunkCutoff }),
    };
    this.jobs.set(requestId, job);
    return job;
  }
}
