// The JobRunner of every agent: the coordinator names endpoints and paths, this host
// knows each endpoint it serves (its kind and where it is). A job of an endpoint it does
// not serve fails with that reason.
import type { Job } from '../core/agent-wire.js';
import { BargeError } from '../core/errors.js';
import type { Task, TaskResult } from '../core/task-types.js';
import { endpointBelow, type EndpointDescription } from '../storage/registry.js';
import type { JobRunner, RootedRunner } from './job-runner.js';

export class EndpointRootsRunner implements JobRunner {
  /** served: endpoint name -> the endpoint as this host opens it */
  constructor(private readonly inner: RootedRunner, private readonly served: ReadonlyMap<string, EndpointDescription>) {}

  private at(endpoint: string, path: string): EndpointDescription | undefined {
    const e = this.served.get(endpoint);
    return e === undefined ? undefined : endpointBelow(e, path);
  }

  run(job: Job, task: Task): Promise<TaskResult> {
    const src = this.at(job.src.endpoint, job.src.path);
    if (src === undefined) return Promise.reject(new BargeError('E_BAD_INPUT', `this agent does not serve endpoint '${job.src.endpoint}'`));
    if (job.push) return this.inner.run(job, { src, dst: undefined }, task);
    const dst = this.at(job.dst.endpoint, job.dst.path);
    if (dst === undefined) return Promise.reject(new BargeError('E_BAD_INPUT', `this agent does not serve endpoint '${job.dst.endpoint}'`));
    return this.inner.run(job, { src, dst }, task);
  }

  cancel(requestId: string): void {
    this.inner.cancel(requestId);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
