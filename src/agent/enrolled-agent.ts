// `barge agent --coordinator URL`: enrols, then leases and runs tasks with the engine of
// `barge sync` on worker threads, reading its own endpoints and pushing to the agents the
// coordinator names; its data plane accepts only grants the coordinator signed. Should the
// coordinator give its name to another process meanwhile, it enrols again (enrolAgain).
import type { KeyObject } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { AGENT_PROTOCOL, nameFreeInMs, SLOTS_PER_THREAD, type EnrolBody, type EnrolReply } from '../core/agent-wire.js';
import { BargeError, isBargeError } from '../core/errors.js';
import { Backoff, NETWORK_BACKOFF } from '../core/backoff.js';
import type { LogSink } from '../core/log-sink.js';
import { RetryStreak } from '../core/retry-streak.js';
import { untilUp } from '../core/until-up.js';
import { withTaskDelay } from './delayed-job-runner.js';
import { EndpointRootsRunner } from './endpoint-roots-runner.js';
import { HttpAgentLink } from './http-agent-link.js';
import { LeaseLoop, type AgentTaskStats } from './lease-loop.js';
import { ReenrollingLink } from './reenrolling-link.js';
import type { CoordinatorContact } from './agent-health.js';
import { openStorage, type EndpointDescription } from '../storage/registry.js';
import type { ServedEndpoint } from '../transport/data-server.js';
import { publicKeyFromPem } from '../transport/session-auth.js';
import { WorkerJobRunner } from './worker-job-runner.js';

/** how often a refused enrolment is tried again, and how long past the time the coordinator said */
const ENROL_RETRY = { initialMs: 500, maxMs: 4_000, jitter: 0.2 };
const ENROL_MARGIN_MS = 2_000;
/** how soon, then at most how often, an agent whose name was taken over tries to enrol again */
const REENROL_FIRST_MS = 1_000;
const REENROL_MAX_MS = 30_000;

export interface LeasingOptions {
  coordinator: string;
  token: string;
  /** this build's barge version, told the coordinator at enrolment */
  version: string;
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
  log: LogSink;
  /** aborted by SIGINT or SIGTERM: ends the wait for a coordinator that is not up */
  signal: AbortSignal;
}

/** the coordinator is not up, or its database is away: worth waiting for */
function mayPass(e: unknown): boolean {
  return isBargeError(e) && (e.code === 'E_NETWORK' || e.code === 'E_UNAVAILABLE');
}

/**
 * Enrols. A name a live agent holds is refused; when this is that agent started again after
 * a crash, its old row frees the name within the time the coordinator says: wait that long
 * (a little more), then give up with the coordinator's words.
 */
async function enrolWaiting(link: HttpAgentLink, body: EnrolBody, log: LogSink): Promise<EnrolReply> {
  let deadline: number | undefined;
  const backoff = new Backoff(ENROL_RETRY);
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
        log.warn({}, `${refusal.message}; waiting up to ${Math.ceil((freeIn + ENROL_MARGIN_MS) / 1000)} s in case it is this agent's previous run`);
      }
    }
    const left = deadline - Date.now();
    if (left <= 0) throw refusal;
    await new Promise((r) => setTimeout(r, Math.min(backoff.next(), left)));
  }
}

/**
 * The coordinator gave this agent's name to another process (this one was not heard from
 * for longer than the lease timeout: a pause, a cut network), so its calls carry a stale
 * secret. Enrol again; while that process is alive it is refused: try again, less and less
 * often, until the name is free or this agent stops.
 */
async function enrolAgain(link: HttpAgentLink, body: EnrolBody, log: LogSink, stopping: AbortSignal): Promise<void> {
  log.warn({ agent: body.name }, `agent '${body.name}': the coordinator says another process enrolled under this name since; enrolling again`);
  for (let waitMs = REENROL_FIRST_MS; ; waitMs = Math.min(REENROL_MAX_MS, waitMs * 2)) {
    if (stopping.aborted) throw new BargeError('E_AUTH', `agent '${body.name}' is enrolled by another process; stopping, so not enrolling again`);
    try {
      await link.enrol(body);
      log.info({ agent: body.name }, `enrolled again as ${body.name}`);
      return;
    } catch (e) {
      log.warn({ agent: body.name }, `enrolling again as '${body.name}' failed (${e instanceof Error ? e.message : String(e)}); trying again in ${waitMs / 1000} s`);
    }
    await delay(waitMs, undefined, { signal: stopping }).catch(() => undefined);
  }
}

export interface Leasing {
  stop(): Promise<void>;
  stats(): AgentTaskStats;
  /** when the coordinator last answered, and the lease time it gave at enrolment */
  contact(): CoordinatorContact;
}

export async function startLeasing(o: LeasingOptions): Promise<Leasing> {
  const link = new HttpAgentLink(o.coordinator, o.token, undefined, o.ca);
  const body: EnrolBody = {
    protocol: AGENT_PROTOCOL, version: o.version,
    name: o.name, site: o.site, endpoints: [...o.served.keys()], dataAddress: o.dataAddress, ...(o.dataTls ? { dataTls: true } : {}), slots: o.threads * SLOTS_PER_THREAD,
  };
  // a coordinator that is not up yet (or whose database is away) is waited for, not given up on
  const streak = new RetryStreak({ failing: 'waiting for the coordinator', recovered: `coordinator ${o.coordinator} reachable` }, o.log, NETWORK_BACKOFF);
  const e = await untilUp(() => enrolWaiting(link, body, o.log), { transient: mayPass, streak, signal: o.signal, waitingFor: `the coordinator at ${o.coordinator}` });
  const stopping = new AbortController();
  link.onIdentityTaken(() => enrolAgain(link, body, o.log, stopping.signal));
  o.grantKeys.push(publicKeyFromPem(e.grantKey));
  for (const ep of e.endpoints) {
    const here = o.served.get(ep.name);
    if (here !== undefined) o.endpoints.set(ep.name, { storage: openStorage(here, { forAgent: true }), write: ep.write });
  }
  o.log.info({ agent: e.agentId, site: o.site }, `enrolled with ${o.coordinator} as ${e.agentId} (site ${o.site}; lease timeout ${e.leaseMs} ms)`);
  let leaseMs = e.leaseMs;
  // a coordinator that pruned this agent's row (lost past agent_prune) hears from it again
  const again = new ReenrollingLink(link, async () => {
    const r = await enrolWaiting(link, body, o.log);
    leaseMs = r.leaseMs;
    // the same key unless the coordinators' database was replaced
    if (r.grantKey !== e.grantKey) o.grantKeys.push(publicKeyFromPem(r.grantKey));
    o.log.info({ agent: r.agentId }, `enrolled again with ${o.coordinator} as ${r.agentId}: it no longer knew this agent`);
  });
  const agent = new LeaseLoop(again, {
    id: e.agentId, slots: o.threads * SLOTS_PER_THREAD, pollMs: 50, heartbeatMs: e.heartbeatMs,
    runner: withTaskDelay(new EndpointRootsRunner(new WorkerJobRunner(o.threads, o.ca), o.served), o.taskDelayMs),
    log: o.log, peer: 'the coordinator',
  });
  agent.start();
  return {
    stop: async () => {
      stopping.abort();
      await agent.stop();
      await link.leave(e.agentId);
    },
    stats: () => agent.stats(),
    contact: () => ({ url: o.coordinator, lastAnswerAt: link.lastAnswerAt, leaseMs }),
  };
}
