// `barge agent --coordinator URL`: enrols, then leases and runs tasks with the engine of
// `barge sync` on worker threads, reading its own endpoints and pushing to the agents the
// coordinator names; its data plane accepts only grants the coordinator signed.
import type { KeyObject } from 'node:crypto';
import { nameFreeInMs, type EnrolBody, type EnrolReply } from '../core/agent-wire.js';
import { BargeError } from '../core/errors.js';
import { withTaskDelay } from './delayed-job-runner.js';
import { EndpointRootsRunner } from './endpoint-roots-runner.js';
import { HttpAgentLink } from './http-agent-link.js';
import { LeaseLoop, type AgentTaskStats } from './lease-loop.js';
import { openStorage, type EndpointDescription } from '../storage/registry.js';
import type { ServedEndpoint } from '../transport/data-server.js';
import { publicKeyFromPem } from '../transport/session-auth.js';
import { WorkerJobRunner } from './worker-job-runner.js';

/** how often a refused enrolment is tried again, and how long past the time the coordinator said */
const ENROL_RETRY_MS = 500;
const ENROL_MARGIN_MS = 2_000;

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
  /** the data plane speaks TLS: agents pushing here must connect with TLS */
  dataTls: boolean;
  /** PEM of the CA trusted for an https:// coordinator and for other agents' TLS data planes (else the system's CAs) */
  ca?: string;
  threads: number;
  /** hold each task this long before it runs (test set-up; 0 in use) */
  taskDelayMs: number;
  say(line: string): void;
}

/**
 * Enrols. A name a live agent holds is refused; when this is that agent started again after
 * a crash, its old row frees the name within the time the coordinator says: wait that long
 * (a little more), then give up with the coordinator's words.
 */
async function enrolWaiting(link: HttpAgentLink, body: EnrolBody, say: (line: string) => void): Promise<EnrolReply> {
  let deadline: number | undefined;
  for (;;) {
    let refusal: BargeError;
    try {
      return await link.enrol(body);
    } catch (e) {
      const freeIn = e instanceof BargeError && e.code === 'E_STATE' ? nameFreeInMs(e.message) : undefined;
      if (freeIn === undefined) throw e;
      refusal = e as BargeError;
      if (deadline === undefined) {
        deadline = Date.now() + freeIn + ENROL_MARGIN_MS;
        say(`${refusal.message}; waiting up to ${Math.ceil((freeIn + ENROL_MARGIN_MS) / 1000)} s in case it is this agent's previous run`);
      }
    }
    const left = deadline - Date.now();
    if (left <= 0) throw refusal;
    await new Promise((r) => setTimeout(r, Math.min(ENROL_RETRY_MS, left)));
  }
}

export async function startLeasing(o: LeasingOptions): Promise<{ stop(): Promise<void>; stats(): AgentTaskStats }> {
  const link = new HttpAgentLink(o.coordinator, o.token, undefined, o.ca);
  const body: EnrolBody = {
    name: o.name, site: o.site, endpoints: [...o.served.keys()], dataAddress: o.dataAddress, ...(o.dataTls ? { dataTls: true } : {}), slots: o.threads * 2,
  };
  const e = await enrolWaiting(link, body, (line) => o.say(line));
  o.grantKeys.push(publicKeyFromPem(e.grantKey));
  for (const ep of e.endpoints) {
    const here = o.served.get(ep.name);
    if (here !== undefined) o.endpoints.set(ep.name, { storage: openStorage(here, { forAgent: true }), write: ep.write });
  }
  o.say(`enrolled with ${o.coordinator} as ${e.agentId} (site ${o.site}; lease timeout ${e.leaseMs} ms)`);
  const agent = new LeaseLoop(link, {
    id: e.agentId, slots: o.threads * 2, pollMs: 50, heartbeatMs: e.heartbeatMs,
    runner: withTaskDelay(new EndpointRootsRunner(new WorkerJobRunner(o.threads, o.ca), o.served), o.taskDelayMs),
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
