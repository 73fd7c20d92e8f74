// `barge agent --coordinator URL`: enrols, then leases and runs tasks with the engine of
// `barge sync` on worker threads, reading its own endpoints and pushing to the agents the
// coordinator names; its data plane accepts only grants the coordinator signed.
import type { KeyObject } from 'node:crypto';
import type { Job } from '../agent/agent-link.js';
import { HttpAgentLink } from '../agent/http-agent-link.js';
import { LocalAgent, type AgentTaskStats, type JobRunner } from '../agent/local-agent.js';
import { BargeError } from '../core/errors.js';
import type { Task, TaskResult } from '../engine/task-types.js';
import { PosixStorage } from '../storage/posix/posix-storage.js';
import type { ServedEndpoint } from '../transport/data-server.js';
import { publicKeyFromPem } from '../transport/session-auth.js';
import { WorkerJobRunner } from './service-jobs.js';

export interface LeasingOptions {
  coordinator: string;
  token: string;
  name: string;
  site: string;
  /** endpoint name → absolute root on this host */
  roots: ReadonlyMap<string, string>;
  /** filled here, from the coordinator's word on each endpoint */
  endpoints: Map<string, ServedEndpoint>;
  /** filled here with the coordinator's grant key */
  grantKeys: KeyObject[];
  dataAddress: string;
  threads: number;
  say(line: string): void;
}

/** the coordinator names endpoints and paths; this host knows where they are */
class LocalRootsRunner implements JobRunner {
  constructor(private readonly inner: JobRunner, private readonly roots: ReadonlyMap<string, string>) {}

  private abs(endpoint: string, path: string): string | undefined {
    const root = this.roots.get(endpoint);
    return root === undefined ? undefined : path === '' ? root : `${root}/${path}`;
  }

  run(job: Job, task: Task): Promise<TaskResult> {
    const src = { ...job.src, abs: this.abs(job.src.endpoint, job.src.path) };
    const dst = job.push ? { endpoint: job.dst.endpoint, path: job.dst.path } : { ...job.dst, abs: this.abs(job.dst.endpoint, job.dst.path) };
    if (src.abs === undefined) return Promise.reject(new BargeError('E_BAD_INPUT', `this agent does not serve endpoint '${job.src.endpoint}'`));
    return this.inner.run({ ...job, src, dst }, task);
  }

  cancel(requestId: string): void {
    this.inner.cancel(requestId);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

export async function startLeasing(o: LeasingOptions): Promise<{ stop(): Promise<void>; stats(): AgentTaskStats }> {
  const link = new HttpAgentLink(o.coordinator, o.token);
  const e = await link.enrol({ name: o.name, site: o.site, endpoints: [...o.roots.keys()], dataAddress: o.dataAddress, slots: o.threads * 2 });
  o.grantKeys.push(publicKeyFromPem(e.grantKey));
  for (const ep of e.endpoints) {
    const root = o.roots.get(ep.name);
    if (root !== undefined) o.endpoints.set(ep.name, { storage: new PosixStorage(root, { confineReads: true, asyncReads: true }), write: ep.write });
  }
  o.say(`enrolled with ${o.coordinator} as ${e.agentId} (site ${o.site}; lease timeout ${e.leaseMs} ms)`);
  const agent = new LocalAgent(link, {
    id: e.agentId, slots: o.threads * 2, pollMs: 50, heartbeatMs: e.heartbeatMs,
    runner: new LocalRootsRunner(new WorkerJobRunner(o.threads), o.roots),
    onError: (err) => o.say(`error: ${err instanceof Error ? err.message : String(err)}`),
  });
  agent.start();
  return {
    stop: async () => {
      await agent.stop();
      await link.leave(e.agentId);
    },
    stats: () => agent.stats(),
  };
}
