// The coordinator: takes requests, keeps them in the state store, and runs the loops
// that move them — plan (queued → running with a root task), finish (phase by phase to
// the end), reap (expired leases back to the queue). Every loop is idempotent and safe
// with several coordinators on one database.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { BargeError } from '../core/errors.js';
import type { Storage } from '../storage/storage.js';
import { splitEndpointPath } from '../core/endpoint-path.js';
import type { AuditEntry, ManifestEntry, MetricsSnapshot, Page, RequestRecord, StateStore, StoredError } from '../state/state-store.js';
import { OPEN_STATES, RUNNING_STATES, type RequestState } from '../core/request-states.js';
import { applyAction, applyPriority } from './request-actions.js';
import { SAMPLE_MS, ThroughputSampler } from './throughput-sampler.js';
import { agentStatuses, pruneLostAgents, type AgentStatus } from './agent-roster.js';
import { advanceRequest } from './advance-request.js';
import { AgentService, type AgentServiceOptions } from './agent-service.js';
import type { ServiceConfig } from '../config/service-config.js';
import { overlaps, resolveEndpointPath, type EndpointPath } from '../storage/posix/endpoint-paths.js';
import { DEFAULT_PLAN_RATE, openSide, openSides, planOnAgents, planRequest } from './plan-request.js';
import { PHASE_TRANSFER } from './phases.js';
import type { ListedEntry, RequestAction, RequestPlan, RequestSpec, RequestView, ThroughputSample } from '../core/request-types.js';
import { deadlineOf, requestView } from './request-view.js';
import { encodeTask } from './service-task.js';
import { checkDeadline, checkListedFiles, syncOptionsOf } from './spec-options.js';
import { RemoteAgents } from './remote-agents.js';
import { storedSpec } from './stored-spec.js';
import { watchStore, type StoreFailure } from '../state/watched-store.js';
import { listOnAgents, listRoot, statOnAgents } from './endpoint-listing.js';
import { checkSource } from './source-check.js';
import type { AgentLink, EnrolBody, EnrolReply, LeasedWork, TaskReport } from '../core/agent-wire.js';
import type { EndpointConfig, SiteConfig } from '../config/service-config.js';
import type { EndpointStaging } from '../core/staging-figures.js';
import { isArchive, StagingLoop } from './staging/staging-loop.js';

const TICK_MS = 250;
/** how often requests are checked for an agent that can run them */
const REACH_CHECK_MS = 2000;
/** grants for pushes live this long; agents get fresh ones with their leases */
const GRANT_TTL_MS = 60 * 60_000;
const CHANGE_MS = 1000;
const WALK_KINDS = ['root', 'scan'];
/** a database failure this recent makes the coordinator unhealthy (its loops write every tick while there is work) */
const HEALTH_WINDOW_MS = 5000;

export interface CoordinatorOptions {
  now?: () => number;
  /** told of every lease handed out (test set-up) */
  onLeased?: AgentServiceOptions['onLeased'];
  /** chunk files from this size (test set-up) */
  chunkCutoff?: number;
}

/** the server's CoordinatorApi (server/coordinator-api.ts) is this class's shape: cli hands one to the other */
export class Coordinator {
  readonly agentLink: AgentService;
  readonly remoteAgents: RemoteAgents;
  private readonly events = new EventEmitter();
  private timers: NodeJS.Timeout[] = [];
  private ticking = false;
  private kickedWhileTicking = false;
  private dirty = new Set<string>();
  private lastSeen = new Map<string, number>();
  private reachCheckedAt = 0;
  /** requests no live agent can run now, as the last check found them */
  private waiting = new Map<string, { reason: string; since: number; until: number }>();

  private readonly now: () => number;
  private readonly store: StateStore;
  private readonly lastStoreFailure: () => StoreFailure | undefined;
  private readonly sampler: ThroughputSampler;
  /** stages the files of requests from archive endpoints (with the built-in agent: the archive is on this host) */
  private readonly staging: StagingLoop | undefined;

  /** `storageAt` opens an endpoint directory (the backend is the caller's choice: cli wires posix) */
  constructor(raw: StateStore, private readonly config: ServiceConfig, private readonly storageAt: (abs: string) => Storage, o: CoordinatorOptions = {}) {
    const now = this.now = o.now ?? Date.now;
    const watched = watchStore(raw, now);
    const store = this.store = watched.store;
    this.lastStoreFailure = watched.lastFailure;
    this.events.setMaxListeners(0);
    this.agentLink = new AgentService(store, {
      endpoints: config.endpoints, retry: config.retry, leaseMs: config.leaseTimeoutMs, transfers: config.transfers,
      asRoot: typeof process.getuid === 'function' && process.getuid() === 0, now,
      onProgress: (ids) => { for (const id of ids) this.dirty.add(id); this.workQueued(); this.kick(); },
      ...(o.onLeased ? { onLeased: o.onLeased } : {}),
      ...(o.chunkCutoff !== undefined ? { chunkCutoff: o.chunkCutoff } : {}),
    });
    this.sampler = new ThroughputSampler(store, now, () => this.agentLink.movedBy);
    if (config.localAgent) {
      this.staging = new StagingLoop({
        store, endpoints: config.endpointStorage, now,
        onError: (e) => this.events.emit('error', e),
        onChange: (id) => { this.dirty.add(id); this.workQueued(); this.kick(); },
      });
    }
    this.remoteAgents = new RemoteAgents(store, this.agentLink, {
      coordinator: config.name, endpoints: config.endpoints, leaseMs: config.leaseTimeoutMs, grantTtlMs: GRANT_TTL_MS, now,
    });
  }

  // ---- agents on other hosts
  agentEnrol(b: EnrolBody): Promise<EnrolReply> {
    return this.remoteAgents.enrol(b);
  }

  /**
   * The built-in agent joins as any agent does (its row, its earlier leases handed back) and
   * is placed as any is: it serves the endpoints it names, so it copies locally between them.
   * Returns its link and how many tasks a previous process of its name held.
   */
  async enrolBuiltIn(b: EnrolBody): Promise<{ link: AgentLink; released: number }> {
    const released = await this.remoteAgents.register(b);
    return { link: this.agentLink.localLink(b.endpoints), released };
  }

  // the HTTP routes' calls: `secret` is the one the agent's enrolment got (none: refused)
  agentLease(agentId: string, secret: string | undefined, capacity: number, waitMs: number): Promise<LeasedWork[]> {
    return this.remoteAgents.lease(agentId, secret, capacity, waitMs);
  }

  agentReport(agentId: string, secret: string | undefined, reports: TaskReport[]): Promise<void> {
    return this.remoteAgents.report(agentId, secret, reports);
  }

  agentHeartbeat(agentId: string, secret: string | undefined, running: number, held?: readonly number[]): Promise<{ canceled: string[] }> {
    return this.remoteAgents.heartbeat(agentId, secret, running, held);
  }

  agentLeave(agentId: string, secret: string | undefined): Promise<void> {
    return this.remoteAgents.leave(agentId, secret);
  }

  start(): void {
    this.timers.push(setInterval(() => this.kick(), TICK_MS));
    this.timers.push(setInterval(() => { void this.reap(); }, Math.max(250, Math.floor(this.config.leaseTimeoutMs / 4))));
    this.timers.push(setInterval(() => { void this.publishChanges(); }, CHANGE_MS));
    this.timers.push(setInterval(() => { this.sampler.sample().catch((e: unknown) => this.events.emit('error', e)); }, SAMPLE_MS));
    this.staging?.start();
    this.kick();
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.staging?.stop();
    while (this.ticking) await new Promise((r) => setTimeout(r, 10));
  }

  /**
   * Run the plan and finish loops soon (once at a time). A kick while they run makes them
   * run once more straight after: what it announced (a report that finished a phase, say)
   * is acted on then, not at the next timer tick.
   */
  kick(): void {
    if (this.ticking) { this.kickedWhileTicking = true; return; }
    this.ticking = true;
    this.kickedWhileTicking = false;
    this.tick().then((moved) => { if (moved) this.workQueued(); }, (e: unknown) => this.events.emit('error', e)).finally(() => {
      this.ticking = false;
      if (this.kickedWhileTicking && this.timers.length > 0) this.kick();
    });
  }

  /** tasks may be queued: every agent waiting for work looks again now */
  private workQueued(): void {
    this.remoteAgents.wake();
    this.agentLink.workQueued();
  }

  onError(listener: (e: unknown) => void): void {
    this.events.on('error', listener);
  }

  /** true when a request started or moved on (new tasks may be queued) */
  private async tick(): Promise<boolean> {
    const now = this.now();
    let moved = false;
    for (const r of await this.store.requestsIn(['queued'])) {
      // from an archive: staging first, while its walk runs and its files come off tape
      const to = isArchive(this.config.endpointStorage, r.srcEndpoint) ? 'staging' : 'running';
      await this.store.tx(async (s) => {
        if (await s.setRequestState(r.id, ['queued'], to, now, { phase: PHASE_TRANSFER })) {
          await s.enqueue(r.id, [encodeTask({ kind: 'root' }, PHASE_TRANSFER)], now);
          moved = true;
        }
      });
    }
    const active = await this.store.requestsIn(RUNNING_STATES);
    for (const r of active) {
      // most ticks follow a report that left tasks open: one read says so, without the
      // transaction and row lock of advanceRequest (which looks again, under the lock)
      if (await this.store.openTasks(r.id, r.phase) > 0) continue;
      for (let i = 0; i < 100; i++) {
        const a = await advanceRequest(this.store, r.id, this.now());
        if (a !== 'moved') break;
        moved = true;
      }
    }
    if (now - this.reachCheckedAt >= REACH_CHECK_MS) {
      this.reachCheckedAt = now;
      // the built-in agent reaches every endpoint: only without it can a request be stranded
      if (!this.config.localAgent) await this.checkWaits(active);
      await this.failPastDeadline();
    }
    return moved;
  }

  /** an open request whose deadline passed fails, saying how far it got */
  private async failPastDeadline(): Promise<void> {
    const now = this.now();
    for (const r of await this.store.requestsIn(OPEN_STATES)) {
      const deadline = deadlineOf(r);
      if (deadline === undefined || now < deadline) continue;
      const c = r.counters;
      await this.failOpen(r, `its deadline ${new Date(deadline).toISOString()} passed: ${c.filesCopied} of ${c.filesToCopy} files copied so far`);
    }
  }

  /**
   * A request no live agent can run waits, with the reason in its view, until one returns;
   * it fails when its deadline passes, or after agent_wait when it has none.
   */
  private async checkWaits(active: readonly RequestRecord[]): Promise<void> {
    const now = this.now();
    const stuck = await this.remoteAgents.stuck(active);
    this.waiting = new Map();
    for (const s of stuck) {
      const r = active.find((x) => x.id === s.id);
      if (!r) continue;
      const deadline = deadlineOf(r);
      const until = deadline ?? s.since + this.config.agentWaitMs;
      this.waiting.set(s.id, { reason: s.reason, since: s.since, until });
      if (now < until) continue;
      const why = deadline === undefined ? 'agent_wait' : `its deadline ${new Date(deadline).toISOString()}`;
      await this.failOpen(r, `no agent can run this request: ${s.reason} (waited ${waitedText(now - s.since)}, until ${why})`);
    }
  }

  private async failOpen(r: RequestRecord, message: string): Promise<void> {
    if (await this.store.setRequestState(r.id, [r.state], 'failed', this.now(), { message })) {
      this.waiting.delete(r.id);
      this.dirty.add(r.id);
      this.agentLink.canceled(r.id);
      this.remoteAgents.requestCanceled(r.id);
    }
  }

  private async reap(): Promise<void> {
    try {
      if (await this.store.reapExpired(this.now()) > 0) this.kick();
      await pruneLostAgents(this.store, this.now(), this.config.leaseTimeoutMs, this.config.agentPruneMs);
    } catch (e) { this.events.emit('error', e); }
  }

  // ---- requests

  /**
   * `actor`: who submits (an API token's name); the audit trail's first entry. `inbox`: the
   * drop-folder file it comes from, whose key is kept in the request's own transaction.
   */
  async submit(spec: RequestSpec, actor: string, inbox?: { key: string; file: string }): Promise<RequestView> {
    const srcName = splitEndpointPath(spec.source, 'source').name;
    if (!this.config.localAgent && this.config.endpoints.get(srcName)?.kind === 'archive') {
      throw new BargeError('E_BAD_INPUT', `source: endpoint '${srcName}' is an archive, and archives are staged by a coordinator with its built-in agent (this one runs without it: local_agent = false or --no-local-agent)`);
    }
    const { src, dst } = await this.checkSpec(spec);
    const id = spec.id ?? randomUUID();
    const now = this.now();
    const entry: AuditEntry = { at: now, actor, action: 'submit', detail: null };
    const created = await this.store.tx(async (s) => {
      const made = await s.createRequest({
        id, priority: spec.priority ?? 5, source: `${src.endpoint.name}:${src.rel}`, destination: `${dst.endpoint.name}:${dst.rel}`,
        srcEndpoint: src.endpoint.name, dstEndpoint: dst.endpoint.name, ...storedSpec({ ...spec, id }),
      }, now);
      if (made) await s.addAudit(id, entry);
      if (made && inbox && !(await s.addInboxKey({ key: inbox.key, requestId: id, fileName: inbox.file }, now))) {
        throw new BargeError('E_EXISTS', `${inbox.file}: a request was made from the same file (${inbox.key}) meanwhile`);
      }
      return made;
    });
    if (!created) throw new BargeError('E_EXISTS', `a request with id '${id}' exists already`);
    this.audited(id, entry);
    this.kick();
    return this.get(id);
  }

  /** a spec's two sides, checked as submit checks them: endpoints, overlap, options, the source there */
  private async checkSpec(spec: RequestSpec): Promise<{ src: EndpointPath<EndpointConfig>; dst: EndpointPath<EndpointConfig> }> {
    // without the built-in agent, endpoint roots are on agents' hosts, not this one
    const here = this.config.localAgent;
    const src = resolveEndpointPath(this.config.endpoints, spec.source, 'source', here);
    const dst = resolveEndpointPath(this.config.endpoints, spec.destination, 'destination', here);
    if (!dst.endpoint.write) throw new BargeError('E_READ_ONLY', `destination: endpoint '${dst.endpoint.name}' may not be written (write = false)`);
    // two sites' file systems are apart: /data at one does not hold /data/x at the other
    const sameFileSystem = here || src.endpoint.site === dst.endpoint.site;
    if (sameFileSystem && overlaps(src.abs, dst.abs)) throw new BargeError('E_BAD_INPUT', `source and destination overlap: ${spec.source} and ${spec.destination}`);
    if (spec.maxDelete !== undefined && !spec.delete) throw new BargeError('E_BAD_INPUT', 'body/maxDelete needs delete: true');
    if (spec.checksum && spec.sizeOnly) throw new BargeError('E_BAD_INPUT', 'body/checksum and body/sizeOnly exclude each other');
    checkListedFiles(spec);
    checkDeadline(spec, this.now());
    // an endpoint of another kind (archive) is no directory at src.abs: it is opened by its kind
    const local = src.endpoint.kind === 'posix' ? () => this.storageAt(src.abs).stat('') : () => openSide(this.config.endpointStorage, src.endpoint.name, src.rel).stat('');
    await checkSource(`${src.endpoint.name}:${src.rel}`, here ? local : (e, p) => statOnAgents(this.remoteAgents, e, p, this.config.tls?.ca));
    return { src, dst };
  }

  /** what the request would copy and how long it may take (plan-request.ts); nothing is stored; `rate`: bytes/s */
  async plan(spec: RequestSpec, o: { rate?: number } = {}): Promise<RequestPlan> {
    const opts = syncOptionsOf(spec, { transfers: this.config.transfers, asRoot: typeof process.getuid === 'function' && process.getuid() === 0 });
    const sides = await this.checkSpec(spec);
    const how = { rate: o.rate ?? this.config.planRate ?? DEFAULT_PLAN_RATE, nowNs: BigInt(this.now()) * 1_000_000n };
    // without the built-in agent the endpoints are on agents' hosts: live agents list them
    if (!this.config.localAgent) return planOnAgents(this.remoteAgents, sides, opts, { ...how, ca: this.config.tls?.ca });
    return planRequest(openSides(this.config.endpointStorage, sides), opts, how);
  }

  private async found(id: string): Promise<RequestRecord> {
    const r = await this.store.getRequest(id);
    if (!r) throw new BargeError('E_NOT_FOUND', `no request with id '${id}'`);
    return r;
  }

  private async view(r: RequestRecord): Promise<RequestView> {
    const active = r.state === 'staging' || r.state === 'running' || r.state === 'finalizing' || r.state === 'paused';
    const walkDone = r.state === 'queued' ? false : !active || (await this.store.openCount(r.id, WALK_KINDS)) === 0;
    const view = requestView(r, walkDone, this.now());
    const staging = this.staging?.figuresOf(r.id);
    if (staging) view.staging = staging;
    const w = RUNNING_STATES.includes(r.state) ? this.waiting.get(r.id) : undefined;
    if (w) view.waiting = { reason: w.reason, since: new Date(w.since).toISOString(), until: new Date(w.until).toISOString() };
    return view;
  }

  async get(id: string): Promise<RequestView> {
    return this.view(await this.found(id));
  }

  async list(q: { states?: RequestState[]; text?: string; limit: number; offset: number }): Promise<{ items: RequestView[]; total: number }> {
    const page = await this.store.listRequests(q);
    return { items: page.items.map((r) => requestView(r, r.phase > PHASE_TRANSFER || !['staging', 'running', 'paused'].includes(r.state), this.now())), total: page.total };
  }

  async errors(id: string, limit: number, offset: number): Promise<Page<StoredError>> {
    await this.found(id);
    return this.store.listErrors(id, limit, offset);
  }

  async manifest(id: string, limit: number, offset: number): Promise<Page<ManifestEntry>> {
    await this.found(id);
    return this.store.listManifest(id, limit, offset);
  }

  /** a request's audit trail: who submitted it and took each action on it, oldest first */
  async audit(id: string, limit: number, offset: number): Promise<Page<AuditEntry>> {
    await this.found(id);
    return this.store.listAudit(id, limit, offset);
  }

  /** each audit entry once it is committed, with its request (for a log of who did what) */
  onAudit(listener: (requestId: string, e: AuditEntry) => void): () => void {
    this.events.on('audit', listener);
    return () => this.events.off('audit', listener);
  }

  private audited(requestId: string, e: AuditEntry): void {
    this.events.emit('audit', requestId, e);
  }

  /**
   * `actor`: who acts (an API token's name), kept in the request's audit trail;
   * `o.keepPartial` (cancel): keep the partial files for a retry, whatever the request said at submit
   */
  async act(id: string, action: RequestAction, actor: string, o: { keepPartial?: boolean } = {}): Promise<RequestView> {
    const r = await this.found(id);
    this.audited(id, await applyAction(this.store, r, action, actor, this.now(), o.keepPartial));
    if (action === 'cancel') {
      this.agentLink.canceled(id);
      this.remoteAgents.requestCanceled(id);
    }
    this.dirty.add(id);
    this.kick();
    return this.get(id);
  }

  /** `priority` from 1 to 10, while the request is open; kept in its audit trail as an action of `actor` */
  async setPriority(id: string, priority: number, actor: string): Promise<RequestView> {
    this.audited(id, await applyPriority(this.store, await this.found(id), priority, actor, this.now()));
    this.dirty.add(id);
    return this.get(id);
  }

  /** a request's throughput samples after `after` (epoch ms), or of all requests together (id undefined) */
  samples(id: string | undefined, after = 0): ThroughputSample[] {
    return id === undefined ? this.sampler.all(after) : this.sampler.of(id, after);
  }

  agentRates(): Record<string, number> {
    return this.sampler.agentRates();
  }

  // ---- endpoints, sites, agents

  endpoints(): EndpointConfig[] {
    return [...this.config.endpoints.values()];
  }

  sites(): (SiteConfig & { endpoints: string[] })[] {
    const out = new Map<string, { name: string; description?: string; endpoints: string[] }>();
    for (const s of this.config.sites.values()) out.set(s.name, { ...s, endpoints: [] });
    for (const e of this.config.endpoints.values()) {
      let s = out.get(e.site);
      if (!s) out.set(e.site, (s = { name: e.site, endpoints: [] }));
      s.endpoints.push(e.name);
    }
    return [...out.values()];
  }

  /** every agent in the table, alive or lost by placement's rule */
  agents(): Promise<AgentStatus[]> {
    return agentStatuses(this.store, (a, now) => this.remoteAgents.livenessOf(a, now), this.now());
  }

  async ls(endpoint: string, path: string): Promise<ListedEntry[]> {
    if (!this.config.endpoints.has(endpoint)) throw new BargeError('E_NOT_FOUND', `no endpoint named '${endpoint}'`);
    // without the built-in agent the endpoint is on agents' hosts: one of them looks
    if (!this.config.localAgent) return listOnAgents(this.remoteAgents, endpoint, path, this.config.tls?.ca);
    const at = resolveEndpointPath(this.config.endpoints, `${endpoint}:${path}`, 'path');
    return listRoot(this.storageAt(at.abs), `${endpoint}:${at.rel}`);
  }

  // ---- live changes, health, metrics

  onChange(listener: (v: RequestView) => void): () => void {
    this.events.on('change', listener);
    return () => this.events.off('change', listener);
  }

  private async publishChanges(): Promise<void> {
    if (this.events.listenerCount('change') === 0) return;
    try {
      const active = await this.store.requestsIn(OPEN_STATES);
      const ids = new Set([...active.map((r) => r.id), ...this.dirty, ...this.lastSeen.keys()]);
      this.dirty.clear();
      for (const id of ids) {
        const r = await this.store.getRequest(id);
        if (!r) { this.lastSeen.delete(id); continue; }
        if (this.lastSeen.get(id) === r.updatedAt) continue;
        this.lastSeen.set(id, r.updatedAt);
        if (!OPEN_STATES.includes(r.state)) this.lastSeen.delete(id);
        this.events.emit('change', await this.view(r));
      }
    } catch (e) { this.events.emit('error', e); }
  }

  /**
   * Down when the database does not answer a read, or refused a statement as away (full,
   * cannot write, cut) within the last HEALTH_WINDOW_MS: a full disk still answers SELECTs.
   */
  async health(): Promise<{ ok: boolean; db: string; message?: string }> {
    try {
      await this.store.ping();
    } catch {
      return { ok: false, db: this.store.flavor, message: 'the database does not answer' };
    }
    const f = this.lastStoreFailure();
    if (f !== undefined && this.now() - f.at < HEALTH_WINDOW_MS) return { ok: false, db: this.store.flavor, message: `${f.reason} (${Math.round((this.now() - f.at) / 1000)} s ago)` };
    return { ok: true, db: this.store.flavor };
  }

  async metrics(): Promise<MetricsSnapshot> {
    return {
      tasks: await this.store.taskCounts(),
      requests: await this.store.requestCounts(),
      errors: await this.store.errorCounts(),
      queueDepth: await this.store.queueDepth(),
    };
  }

  /** the archive endpoints this coordinator stages from, for /metrics */
  stagingFigures(): EndpointStaging[] {
    return this.staging?.figures() ?? [];
  }

  moved(): { bytes: number; files: number } {
    return { ...this.agentLink.moved };
  }

  onLease(listener: (seconds: number) => void): () => void {
    return this.agentLink.onLease(listener);
  }
}

function waitedText(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${Math.round(s / 360) / 10} h`;
}
