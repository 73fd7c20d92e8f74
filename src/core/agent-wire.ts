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

export interface LeasedWork {
  taskId: number;
  task: Task;
  job: Job;
}

export interface TaskReport {
  taskId: number;
  result: TaskResult;
}

/** what an agent says of itself when it joins a coordinator (POST /api/agent/enrol) */
export interface EnrolBody {
  name: string;
  site: string;
  endpoints: string[];
  /** "host:port" others push to; absent for an agent that only reads */
  dataAddress?: string;
  slots: number;
}

export interface EnrolReply {
  agentId: string;
  /** PEM of the public key that signs grants */
  grantKey: string;
  leaseMs: number;
  heartbeatMs: number;
  /** the endpoints it serves, and whether the coordinator lets them be written */
  endpoints: { name: string; write: boolean }[];
}

export interface AgentLink {
  lease(agentId: string, capacity: number): Promise<LeasedWork[]>;
  report(agentId: string, reports: TaskReport[]): Promise<void>;
  /**
   * `held`: the tasks the agent holds (running, or done and not yet reported). Only their
   * leases are renewed: a lease the agent lost track of (a lease reply or a report that
   * never arrived) runs out, and its task is queued again. Absent: every lease of the agent.
   */
  heartbeat(agentId: string, running: number, held?: readonly number[]): Promise<void>;
  /** called with a request id when it is canceled: its tasks in flight should stop */
  onCancel(listener: (requestId: string) => void): () => void;
}
