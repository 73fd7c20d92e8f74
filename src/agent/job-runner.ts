// How an agent runs the tasks it leased. The coordinator names places as (endpoint,
// path); a JobRunner turns them into this host's roots and hands the task to a
// RootedRunner, which runs it there (on worker threads, or in this thread for tests).
import type { Job } from '../core/agent-wire.js';
import type { Task, TaskResult } from '../core/task-types.js';

/** runs one task of a job; cancel() makes the job's tasks in flight stop soon */
export interface JobRunner {
  run(job: Job, task: Task): Promise<TaskResult>;
  cancel(requestId: string): void;
  close(): Promise<void>;
}

/** where a job's two sides are on this host; dst is undefined when the job pushes to another agent */
export interface JobRoots {
  src: string;
  dst: string | undefined;
}

/** a JobRunner whose caller has already found the job's roots on this host */
export interface RootedRunner {
  run(job: Job, roots: JobRoots, task: Task): Promise<TaskResult>;
  cancel(requestId: string): void;
  close(): Promise<void>;
}
