// The coordinator's side of agents on other hosts (`barge agent --coordinator`): enrolment
// (which hands each process a secret its later calls must carry: agent-secret.ts),
// leases placed by which endpoints each agent reaches, each push carrying a grant signed
// with the key all coordinators of one database share, long polls, reports (also of
// tasks leased before this coordinator restarted), heartbeats that carry cancellations.
import type { KeyObject } from 'node:crypto';
import { BargeError } from '../core/errors.js';
import { AGENT_PROTOCOL, BUILT_IN_AGENT_SUFFIX, nameTakenMessage, threadsOfSlots, type AgentLink, type EnrolBody, type EnrolReply, type Job, type LeasedWork, type TaskReport } from '../core/agent-wire.js';
import type { AgentRecord, StateStore } from '../state/state-store.js';
import { newGrantKeys, privateKeyFromPem, privateKeyPem, publicKeyPem, signGrant } from '../transport/session-auth.js';
import { createPublicKey } from 'node:crypto';
import type { AgentService } from './agent-service.js';
import type { EndpointConfig } from '../config/service-config.js';
import { placementsFor, RoundRobin, unplaceable, type PlacedAgent, type Placement } from './placement.js';
import { splitEndpointPath } from '../core/endpoint-path.js';
import { AgentLiveness } from './agent-liveness.js';
import { AgentQueues } from './agent-queues.js';
import { PushLoad } from './push-load.js';
import { sizeOf } from './service-task.js';
import { checkAgentSecret, newAgentSecret } from './agent-secret.js';

export interface RemoteAgentOptions {
  coordinator: string;
  endpoints: ReadonlyMap<string, EndpointConfig>;
  leaseMs: number;
  grantTtlMs: number;
  now(): number;
}

const GRANT_KEY = 'grant-private-key';
/** a long poll for work ends after this long with nothing */
const MAX_WAIT_MS = 20_000;
const POLL_MS = 200;

export class RemoteAgents {
  /** the long polls waiting for work: each wakes to look again */
  private readonly sleepers = new Set<() => void>();
  private key: Promise<KeyObject> | undefined;
  private readonly turn = new RoundRobin();
  private readonly load: PushLoad;
  private readonly queues = new AgentQueues();
  private readonly canceled = new Map<string, string[]>();
  private readonly grants = new Map<string, { grant: string; renewAt: number }>();
  private readonly stuckSince = new Map<string, number>();
  private readonly liveness: AgentLiveness;

  constructor(private readonly store: StateStore, private readonly link: AgentService, private readonly o: RemoteAgentOptions) {
    this.load = new PushLoad(o.leaseMs, () => this.o.now());
    this.liveness = new AgentLiveness(o.leaseMs, this.load);
  }

  /** the signing key: made by the first coordinator to need it, shared through the database */
  private signingKey(): Promise<KeyObject> {
    this.key ??= this.store.settingOrInit(GRANT_KEY, privateKeyPem(newGrantKeys().privateKey)).then(privateKeyFromPem);
    return this.key;
  }

  /**
   * Writes the built-in agent's row (in-process, so it has no secret); a new process under
   * its name hands back what the old one held. Returns how many tasks went back to the queue.
   */
  async register(b: EnrolBody): Promise<number> {
    const rec = this.recordOf(b);
    const released = await this.store.releaseLeases(rec.id);
    await this.store.upsertAgent(rec);
    this.canceled.set(rec.id, []);
    return released;
  }

  private recordOf(b: EnrolBody): AgentRecord {
    for (const e of b.endpoints) {
      if (!this.o.endpoints.has(e)) throw new BargeError('E_BAD_INPUT', `agent ${b.name}: the coordinator has no endpoint named '${e}'`);
    }
    const now = this.o.now();
    return {
      id: b.name, name: b.name, site: b.site, endpoints: b.endpoints, slots: b.slots, running: 0,
      coordinator: this.o.coordinator, startedAt: now, lastSeen: now, ...(b.dataAddress === undefined ? {} : { dataAddress: b.dataAddress }), ...(b.dataTls === true ? { dataTls: true } : {}),
      ...(b.version === undefined ? {} : { version: b.version }), ...(b.protocol === undefined ? {} : { protocol: b.protocol }),
    };
  }

  /**
   * An agent on another host joins. Refused: a coordinator's built-in agent's name (NAME/local),
   * and a name an agent heard from within the lease timeout holds (two agents on one host
   * without --name). A restart of a crashed agent gets its name back once its row is that old;
   * the name then has a new secret, so the crashed process's calls, if it was only cut off, fail.
   */
  async enrol(b: EnrolBody): Promise<EnrolReply> {
    checkProtocol(b);
    // this coordinator's own (builtInAgentName) and those of others sharing the database
    if (b.name.endsWith(BUILT_IN_AGENT_SUFFIX)) {
      throw new BargeError('E_BAD_INPUT', `agent name '${b.name}' is kept for a coordinator's built-in agent (NAME${BUILT_IN_AGENT_SUFFIX}): give this agent another --name`);
    }
    const rec = this.recordOf(b);
    const { secret, hash } = newAgentSecret();
    // the name is checked and taken in one statement: of two enrolments at once, one wins
    if (!await this.store.claimAgent(rec, hash, rec.lastSeen - this.o.leaseMs)) {
      const holder = (await this.store.listAgents()).find((a) => a.id === b.name);
      const heard = holder?.lastSeen ?? rec.lastSeen;
      throw new BargeError('E_STATE', nameTakenMessage(b.name, rec.lastSeen - heard, heard + this.o.leaseMs - rec.lastSeen + 1));
    }
    // what a previous process of this name held goes back to the queue
    await this.store.releaseLeases(rec.id);
    this.queues.forget(rec.id);
    this.canceled.set(rec.id, []);
    const key = await this.signingKey();
    return {
      agentId: rec.id, agentSecret: secret, grantKey: publicKeyPem(createPublicKey(key)), leaseMs: this.o.leaseMs,
      heartbeatMs: Math.max(500, Math.floor(this.o.leaseMs / 4)),
      endpoints: b.endpoints.map((name) => ({ name, write: this.o.endpoints.get(name)?.write ?? false })),
    };
  }

  /** an HTTP caller acts as `agentId` only with the secret its enrolment got (agent-secret.ts) */
  private async identify(agentId: string, secret: string | undefined): Promise<void> {
    const id = await this.store.agentIdentity(agentId);
    checkAgentSecret(agentId, secret, id?.secretHash);
    // a coordinator upgraded under a running agent: its enrolment was checked by the old one
    if (id?.protocol != null && id.protocol < AGENT_PROTOCOL) throw olderAgent(agentId, id.protocol, id.version ?? undefined, 'and restart it');
  }

  /**
   * The built-in agent's link when it does not serve every endpoint (some are `local_agent =
   * false`): it is placed as an agent on another host is, so it copies locally between the
   * endpoints it serves and pushes to an agent that serves the destination otherwise (an
   * archive on this host to a remote site). In-process: no secret, no long poll.
   */
  builtInLink(local: AgentLink): AgentLink {
    return {
      lease: (agentId, capacity) => this.leaseOnce(agentId, undefined, capacity, false),
      report: (agentId, reports) => this.reported(agentId, reports),
      heartbeat: async (agentId, running, held) => {
        this.queues.heard(agentId, held);
        await this.link.heartbeat(agentId, running, held);
      },
      onCancel: (listener) => local.onCancel(listener),
      ...(local.onWork ? { onWork: local.onWork.bind(local) } : {}),
    };
  }

  /** the agent, and the live agents it may be placed with; its identity checked first (an in-process agent has none to check) */
  private async known(agentId: string, secret: string | undefined, check = true): Promise<{ me: PlacedAgent; live: PlacedAgent[]; slots: number }> {
    if (check) await this.identify(agentId, secret);
    const now = this.o.now();
    const all = await this.store.listAgents();
    const live = all.filter((a) => this.liveness.alive(a, now)).map(placed);
    const meRec = all.find((a) => a.id === agentId);
    if (!meRec) throw new BargeError('E_STATE', `agent '${agentId}' is not enrolled (enrol again)`);
    return { me: placed(meRec), live: live.some((a) => a.id === agentId) ? live : [...live, placed(meRec)], slots: meRec.slots };
  }

  /** a long poll: work as soon as there is some, or nothing after waitMs */
  async lease(agentId: string, secret: string | undefined, capacity: number, waitMs: number): Promise<LeasedWork[]> {
    const end = this.o.now() + Math.min(Math.max(waitMs, 0), MAX_WAIT_MS);
    for (;;) {
      // each poll checks the secret again: a name taken over mid-poll leases nothing more to the old process
      const got = await this.leaseOnce(agentId, secret, capacity);
      if (got.length > 0 || this.o.now() >= end) return got;
      await this.sleep(POLL_MS);
    }
  }

  /** POLL_MS, or less: until new work may be there (wake) */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => { clearTimeout(timer); this.sleepers.delete(done); resolve(); };
      const timer = setTimeout(done, ms);
      this.sleepers.add(done);
    });
  }

  /** tasks were queued (a report's outcome, a new phase): the long polls look again now, not at their next poll */
  wake(): void {
    for (const done of [...this.sleepers]) done();
  }

  private async leaseOnce(agentId: string, secret: string | undefined, capacity: number, check = true): Promise<LeasedWork[]> {
    const { me, live, slots } = await this.known(agentId, secret, check);
    // running requests, and canceled ones whose partial files are being removed (placed as their copies were)
    const runnable = (await this.store.runnableRequests()).map((r) => ({ id: r.id, src: r.srcEndpoint, dst: r.dstEndpoint }));
    const places = placementsFor(me, runnable, live);
    if (places.size === 0) return [];
    // what it holds past its threads waits in its queue: large tasks only for free threads
    const startable = Math.max(0, threadsOfSlots(slots) - this.queues.holding(agentId));
    const work = await this.link.leaseFor(agentId, capacity, [...places.keys()], undefined, startable);
    this.queues.leased(agentId, work.map((w) => w.taskId));
    const out: LeasedWork[] = [];
    for (const w of work) {
      const job = await this.jobFor(w.job, places.get(w.job.requestId) as Placement, me, live);
      if (job.push) this.load.started(w.taskId, job.push.agent, sizeOf(w.task).bytes);
      out.push({ ...w, job });
    }
    return out;
  }

  /** the job as an agent elsewhere sees it: endpoint paths, no host paths; a push target with its grant */
  private async jobFor(job: Job, p: Placement, me: PlacedAgent, live: readonly PlacedAgent[]): Promise<Job> {
    const src = { endpoint: job.src.endpoint, path: job.src.path };
    const dst = { endpoint: job.dst.endpoint, path: job.dst.path };
    if (p.mode === 'local') return { requestId: job.requestId, src, dst, opts: job.opts };
    // the destination with the least in flight; among equals, this source's turn
    const to = this.load.least(this.turn.order(`${job.requestId}\0${me.id}`, p.to, sourceRank(me, job.src.endpoint, live)));
    return { requestId: job.requestId, src, dst, opts: job.opts, push: { agent: to.name, address: to.dataAddress as string, ...(to.dataTls === true ? { tls: true } : {}), grant: await this.grantFor(job, to) } };
  }

  private async grantFor(job: Job, to: PlacedAgent): Promise<string> {
    const now = this.o.now();
    const k = `${job.requestId}\0${to.name}`;
    const known = this.grants.get(k);
    if (known && known.renewAt > now) return known.grant;
    const grant = signGrant(await this.signingKey(), {
      agent: to.name, endpoint: job.dst.endpoint, path: job.dst.path, write: true, exp: now + this.o.grantTtlMs, request: job.requestId,
    });
    this.grants.set(k, { grant, renewAt: now + this.o.grantTtlMs / 2 });
    return grant;
  }

  /** live agents that serve `endpoint` and listen on the data plane, the most recently heard first */
  async serving(endpoint: string): Promise<{ name: string; dataAddress: string | undefined; dataTls: boolean }[]> {
    const now = this.o.now();
    return (await this.store.listAgents())
      .filter((a) => this.liveness.alive(a, now) && a.endpoints.includes(endpoint))
      .sort((a, b) => b.lastSeen - a.lastSeen)
      .map((a) => ({ name: a.name, dataAddress: a.dataAddress, dataTls: a.dataTls === true }));
  }

  /** a read-only grant to look at one subtree of an endpoint on one agent, for `ttlMs` */
  async readGrant(agent: string, endpoint: string, path: string, ttlMs: number, request: string): Promise<string> {
    return signGrant(await this.signingKey(), { agent, endpoint, path, write: false, exp: this.o.now() + ttlMs, request });
  }

  async report(agentId: string, secret: string | undefined, reports: TaskReport[]): Promise<void> {
    await this.identify(agentId, secret);
    await this.reported(agentId, reports);
  }

  private async reported(agentId: string, reports: TaskReport[]): Promise<void> {
    // liveness asks the load where each push went: before the load forgets them
    this.liveness.reported(reports, this.o.now());
    for (const r of reports) this.load.ended(r.taskId);
    this.queues.reported(agentId, reports.map((r) => r.taskId));
    await this.link.report(agentId, reports, (taskId) => this.store.heldTask(agentId, taskId));
  }

  /** the request ids canceled since the agent's last heartbeat */
  async heartbeat(agentId: string, secret: string | undefined, running: number, held?: readonly number[]): Promise<{ canceled: string[] }> {
    await this.known(agentId, secret);
    this.queues.heard(agentId, held);
    await this.link.heartbeat(agentId, running, held);
    const c = this.canceled.get(agentId) ?? [];
    this.canceled.set(agentId, []);
    return { canceled: c };
  }

  /** an agent whose row is gone already has nothing to hand back; one whose name was taken over may not remove it */
  async leave(agentId: string, secret: string | undefined): Promise<void> {
    const id = await this.store.agentIdentity(agentId);
    if (id === undefined) return;
    checkAgentSecret(agentId, secret, id.secretHash);
    await this.store.releaseLeases(agentId);
    await this.store.removeAgent(agentId);
    this.canceled.delete(agentId);
  }

  /** requests no live agent can run now (none reaches the source, or the destination): why, and since when */
  async stuck(requests: readonly { id: string; source: string; destination: string }[]): Promise<{ id: string; reason: string; since: number }[]> {
    const now = this.o.now();
    const live = (await this.store.listAgents()).filter((a) => this.liveness.alive(a, now)).map(placed);
    const out: { id: string; reason: string; since: number }[] = [];
    const seen = new Set<string>();
    for (const r of requests) {
      seen.add(r.id);
      const reason = unplaceable({ id: r.id, src: endpointOf(r.source), dst: endpointOf(r.destination) }, live);
      if (reason === undefined) { this.stuckSince.delete(r.id); continue; }
      const since = this.stuckSince.get(r.id) ?? now;
      this.stuckSince.set(r.id, since);
      out.push({ id: r.id, reason, since });
    }
    for (const id of [...this.stuckSince.keys()]) if (!seen.has(id)) this.stuckSince.delete(id);
    return out;
  }

  /** whether placement counts an agent as alive now, and if not since when it is lost */
  livenessOf(a: AgentRecord, now: number): { alive: boolean; lostSince?: number } {
    const lostSince = this.liveness.lostSince(a, now);
    return lostSince === undefined ? { alive: true } : { alive: false, lostSince };
  }

  /** a request was canceled: every enrolled agent hears of it at its next heartbeat */
  requestCanceled(requestId: string): void {
    for (const list of this.canceled.values()) list.push(requestId);
    for (const k of [...this.grants.keys()]) if (k.startsWith(requestId + '\0')) this.grants.delete(k);
  }
}

function placed(a: AgentRecord): PlacedAgent {
  return { id: a.id, name: a.name, endpoints: a.endpoints, dataAddress: a.dataAddress, ...(a.dataTls === true ? { dataTls: true } : {}) };
}

/**
 * where this source agent starts its turn over the destinations: each source agent at
 * another one. A source leases as many tasks as it has threads, and small ones beyond;
 * with one turn shared by all, every source's lease got the destinations in the same
 * order and all sources pushed to the same few destinations at once
 * (bench/results/2026-12-07-scale-out.md: 2 of 4 destination links busy at a time).
 * The turn only breaks ties: the destination with the least in flight comes first.
 */
function sourceRank(me: PlacedAgent, src: string, live: readonly PlacedAgent[]): number {
  const sources = live.filter((a) => a.endpoints.includes(src)).map((a) => a.id).sort();
  return Math.max(0, sources.indexOf(me.id));
}

function endpointOf(text: string): string {
  return splitEndpointPath(text, 'endpoint').name;
}

/** an agent on an older build than the tasks this coordinator sends: refused, naming both builds */
function checkProtocol(b: EnrolBody): void {
  const theirs = b.protocol ?? 0;
  if (theirs < AGENT_PROTOCOL) throw olderAgent(b.name, theirs, b.version);
}

function olderAgent(name: string, protocol: number, version: string | undefined, then = ''): BargeError {
  return new BargeError('E_STATE', `agent '${name}' is older than this coordinator: it speaks agent protocol ${protocol}${version === undefined ? '' : ` (barge ${version})`}, ` +
    `this coordinator needs ${AGENT_PROTOCOL} or later: upgrade barge on the agent's host${then === '' ? '' : ` ${then}`}`);
}
