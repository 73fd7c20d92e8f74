// The contract between the coordinator and its agents, as plain data: the jobs and tasks
// an agent leases, what it reports, how it enrols, and the calls it makes (AgentLink). The
// built-in agent makes them in-process; remote agents over HTTP (agent/http-agent-link.ts,
// server/routes/agent-routes.ts). Places are (endpoint, path), never a host's path: the
// agent that serves an endpoint knows where it is.
import type { SyncOptions } from './sync-options.js';
import type { Task, TaskResult } from './task-types.js';

/** one side of a job: a path below an endpoint */
export interface JobSide {
  endpoint: string;
  /** '/'-separated below the endpoint root, '' for the root */
  path: string;
}

/** the destination is on another agent: push through the data plane */
export interface PushTarget {
  agent: string;
  /** "host:port" of its data plane */
  address: string;
  /** its data plane speaks TLS (it was started with --tls-cert): connect with TLS, or the handshake fails */
  tls?: boolean;
  /** signed by the coordinator for that agent, endpoint and path */
  grant: string;
}

/** where a request's task reads and writes, and how */
export interface Job {
  requestId: string;
  src: JobSide;
  dst: JobSide;
  push?: PushTarget;
  opts: SyncOptions;
}

/**
 * A lease as it crosses HTTP: each request's sync options once, not with every task (a
 * request's file list alone may be a million paths); `packLease` and `unpackLease` are
 * the two ends.
 */
export interface PackedLease {
  work: { taskId: number; task: Task; job: Omit<Job, 'opts'> }[];
  /** request id -> its options */
  opts: Record<string, SyncOptions>;
}

export function packLease(work: readonly LeasedWork[]): PackedLease {
  const opts: Record<string, SyncOptions> = {};
  return {
    work: work.map((w) => {
      const { opts: o, ...job } = w.job;
      opts[w.job.requestId] ??= o;
      return { taskId: w.taskId, task: w.task, job };
    }),
    opts,
  };
}

export function unpackLease(p: PackedLease): LeasedWork[] {
  return p.work.map((w) => {
    const opts = p.opts[w.job.requestId];
    if (opts === undefined) throw new Error(`lease: no options for request ${w.job.requestId}`);
    return { taskId: w.taskId, task: w.task, job: { ...w.job, opts } };
  });
}

export interface LeasedWork {
  taskId: number;
  task: Task;
  job: Job;
}

export interface TaskReport {
  taskId: number;
  result: TaskResult;
}

/**
 * An agent leases this many tasks per thread: the second waits in its queue, so a thread
 * that finishes starts the next at once instead of after a lease's round trip.
 */
export const SLOTS_PER_THREAD = 2;

/** how many of an agent's leased tasks can start at once (its threads), from the slots it enrolled with */
export function threadsOfSlots(slots: number): number {
  return Math.max(1, Math.floor(slots / SLOTS_PER_THREAD));
}

/** what an agent says of itself when it joins a coordinator (POST /api/agent/enrol) */
/**
 * The contract between a coordinator and the agents it leases to: the task kinds and the
 * fields of jobs and results. Raised when a coordinator may send what an agent built
 * before could not run; the coordinator refuses to enrol an agent that says less (or
 * nothing: agents before this number), so that an agent left on an older build stops at
 * its start with a line saying so, rather than failing the tasks it is given.
 */
export const AGENT_PROTOCOL = 1;

export interface EnrolBody {
  /** AGENT_PROTOCOL of the agent's build */
  protocol?: number;
  /** the agent's barge version, for the coordinator's log */
  version?: string;
  name: string;
  site: string;
  endpoints: string[];
  /** "host:port" others push to; absent for an agent that only reads */
  dataAddress?: string;
  /** the data plane at dataAddress speaks TLS */
  dataTls?: boolean;
  slots: number;
}

export interface EnrolReply {
  agentId: string;
  /**
   * Made for this enrolment: every later call naming `agentId` sends it as AGENT_SECRET_HEADER.
   * Another enrolment under the name (after this process's row went stale) makes a new one.
   */
  agentSecret: string;
  /** PEM of the public key that signs grants */
  grantKey: string;
  leaseMs: number;
  heartbeatMs: number;
  /** the endpoints it serves, and whether the coordinator lets them be written */
  endpoints: { name: string; write: boolean }[];
}

/** the header that carries EnrolReply.agentSecret on every agent call after the enrolment */
export const AGENT_SECRET_HEADER = 'x-barge-agent-secret';

/** the built-in agent of coordinator NAME is NAME/local; no agent may enrol under such a name */
export const BUILT_IN_AGENT_SUFFIX = '/local';

export function builtInAgentName(coordinator: string): string {
  return `${coordinator}${BUILT_IN_AGENT_SUFFIX}`;
}

/**
 * The coordinator's refusal (E_STATE) of an enrolment under a name a live agent holds. It
 * says when the name is free if that agent is gone (a crash leaves its row until its
 * heartbeats are older than the lease timeout); `nameFreeInMs` reads that back, so a
 * restarted agent waits that long, and no longer, before it gives up.
 */
export function nameTakenMessage(name: string, heardAgoMs: number, freeInMs: number): string {
  return `agent name '${name}' is taken by a live agent (heard from ${(heardAgoMs / 1000).toFixed(1)} s ago): ` +
    `give each agent on one host its own --name; if that agent is gone, the name is free in ${Math.ceil(freeInMs)} ms`;
}

export function nameFreeInMs(message: string): number | undefined {
  const m = /is taken by a live agent .*the name is free in (\d+) ms/.exec(message);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

export interface AgentLink {
  /**
   * Work for up to `capacity` tasks; over HTTP a long poll. `signal` (the agent stopping)
   * ends the wait at once with its reason: tasks the coordinator leased in an answer that
   * was dropped so are handed back when the agent leaves, or queued again once their
   * leases run out.
   */
  lease(agentId: string, capacity: number, signal?: AbortSignal): Promise<LeasedWork[]>;
  report(agentId: string, reports: TaskReport[]): Promise<void>;
  /**
   * `held`: the tasks the agent holds (running, or done and not yet reported). Only their
   * leases are renewed: a lease the agent lost track of (a lease reply or a report that
   * never arrived) runs out, and its task is queued again. Absent: every lease of the agent.
   */
  heartbeat(agentId: string, running: number, held?: readonly number[]): Promise<void>;
  /** called with a request id when it is canceled: its tasks in flight should stop */
  onCancel(listener: (requestId: string) => void): () => void;
  /**
   * Called when tasks were queued (a phase began, a report's outcome): a lease now may
   * find work. Only an in-process link has it; over HTTP the lease itself is a long poll.
   */
  onWork?(listener: () => void): () => void;
}
