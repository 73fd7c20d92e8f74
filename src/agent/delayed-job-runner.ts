// A JobRunner decorator that holds every task a while before it runs, so that a test can
// stop a service or an agent in the middle of a request. Test set-up installs it
// (config/test-hooks.ts: BARGE_TEST_TASK_DELAY_MS); nothing else does.
import type { Job } from '../core/agent-wire.js';
import type { Task, TaskResult } from '../core/task-types.js';
import type { JobRunner } from './job-runner.js';

export class DelayedJobRunner implements JobRunner {
  constructor(private readonly inner: JobRunner, private readonly delayMs: number) {}

  async run(job: Job, task: Task): Promise<TaskResult> {
    await new Promise((r) => setTimeout(r, this.delayMs));
    return this.inner.run(job, task);
  }

  cancel(requestId: string): void {
    this.inner.cancel(requestId);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** `runner`, slowed down when test set-up asks for it */
export function withTaskDelay(runner: JobRunner, delayMs: number): JobRunner {
  return delayMs > 0 ? new DelayedJobRunner(runner, delayMs) : runner;
}
