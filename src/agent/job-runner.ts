// How an agent runs the tasks it leased. The coordinator names places as (endpoint,
// path); a JobRunner turns them into endpoints this host opens and hands the task to a
// RootedRunner, which runs it there (on worker threads, or in this thread for tests).
import type { Job } from '../core/agent-wire.js';
import type { Task, TaskResult } from '../core/task-types.js';
import type { EndpointDescription } from '../storage/registry.js';

/** runs one task of a job; cancel() makes the job's tasks in flight stop soon */
export interface JobRunner {
  run(job: Job, task: Task): Promise<TaskResult>;
  cancel(requestId: string): void;
  close(): Promise<void>;
}

/** a job's two sides as this host opens them (plain data: they cross to worker threads); dst is undefined when the job pushes to another agent */
export interface JobRoots {
  src: EndpointDescription;
  dst: EndpointDescription | undefined;
}

/** a JobRunner whose caller has already found the job's roots on this host */
export interface RootedRunner {
  run(job: Job, roots: JobRoots, task: Task): Promise<TaskResult>;
  cancel(requestId: string): void;
  close(): Promise<void>;
}
