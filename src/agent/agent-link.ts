// What an agent needs from its coordinator: leases of work, a place to report results,
// heartbeats, and word of canceled requests. The built-in agent calls the coordinator
// in-process; remote agents will speak the same calls over HTTP.
import type { SyncOptions } from '../core/sync-options.js';
import type { Task, TaskResult } from '../engine/task-types.js';

/** where a request's task reads and writes, and how */
export interface Job {
  requestId: string;
  srcRoot: string;
  dstRoot: string;
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
