// `barge agent --coordinator URL`: enrols, then leases and runs tasks with the engine of
// `barge sync` on worker threads, reading its own endpoints and pushing to the agents the
// coordinator names; its data plane accepts only grants the coordinator signed.
import type { KeyObject } from 'node:crypto';
import { withTaskDelay } from './delayed-job-runner.js';
import { EndpointRootsRunner } from './endpoint-roots-runner.js';
import { HttpAgentLink } from './http-agent-link.js';
import { LeaseLoop, type AgentTaskStats } from './lease-loop.js';
import { openStorage, type EndpointDescription } from '../storage/registry.js';
import type { ServedEndpoint } from '../transport/data-server.js';
import { publicKeyFromPem } from '../transport/session-auth.js';
import { WorkerJobRunner } from './worker-job-runner.js';

export interface LeasingOptions {
  coordinator: string;
  token: string;
  name: string;
  site: string;
  /** endpoint name → the endpoint as this host opens it */
  served: ReadonlyMap<string, EndpointDescription>;
  /** filled here, from the coordinator's word on each endpoint */
  endpoints: Map<string, ServedEndpoint>;
  /** filled here with the coordinator's grant key */
  grantKeys: KeyObject[];
  dataAddress: string;
  threads: number;
  /** hold each task this long before it runs (test set-up; 0 in use) */
  taskDelayMs: number;
  say(line: string): void;
}

export async function startLeasing(o: LeasingOptions): Promise<{ stop(): Promise<void>; stats(): AgentTaskStats }> {
  const link = new HttpAgentLink(o.coordinator, o.token);
  const e = await link.enrol({ name: o.name, site: o.site, endpoints: [...o.served.keys()], dataAddress: o.dataAddress, slots: o.threads * 2 });
  o.grantKeys.push(publicKeyFromPem(e.grantKey));
  for (const ep of e.endpoints) {
    const here = o.served.get(ep.name);
    if (here !== undefined) o.endpoints.set(ep.name, { storage: openStorage(here, { forAgent: true }), write: ep.write });
  }
  o.say(`enrolled with ${o.coordinator} as ${e.agentId} (site ${o.site}; lease timeout ${e.leaseMs} ms)`);
  const agent = new LeaseLoop(link, {
    id: e.agentId, slots: o.threads * 2, pollMs: 50, heartbeatMs: e.heartbeatMs,
    runner: withTaskDelay(new EndpointRootsRunner(new WorkerJobRunner(o.threads), o.served), o.taskDelayMs),
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
