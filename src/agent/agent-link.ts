// What an agent needs from its coordinator: leases of work, a place to report results,
// heartbeats, and word of canceled requests. The built-in agent calls the coordinator
// in-process; remote agents make the same calls over HTTP (agent-wire.ts).
import type { SyncOptions } from '../core/sync-options.js';
import type { Task, TaskResult } from '../engine/task-types.js';

/** one side of a job: a path below an endpoint */
export interface JobSide {
  endpoint: string;
  /** '/'-separated below the endpoint root, '' for the root */
  path: string;
  /** the absolute path on the host that runs the task; set by whoever knows the endpoint's root there */
  abs?: string;
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

export interface AgentLink {
  lease(agentId: string, capacity: number): Promise<LeasedWork[]>;
  report(agentId: string, reports: TaskReport[]): Promise<void>;
  heartbeat(agentId: string, running: number): Promise<void>;
  /** called with a request id when it is canceled: its tasks in flight should stop */
  onCancel(listener: (requestId: string) => void): () => void;
}
