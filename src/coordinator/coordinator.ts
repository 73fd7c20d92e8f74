// The coordinator: takes requests, keeps them in the state store, and runs the loops
// that move them (request-loop.ts). This class wires the parts together and is the face
// the server's routes call: requests, agents, endpoints, live changes, health, metrics.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { BargeError } from '../core/errors.js';
import type { Storage } from '../storage/storage.js';
import type { AuditEntry, ManifestEntry, MetricsSnapshot, Page, RequestRecord, StateStore, StoredError } from '../state/state-store.js';
import { RUNNING_STATES, type RequestState } from '../core/request-states.js';
import { applyAction, applyPriority } from './request-actions.js';
import { SAMPLE_MS, ThroughputSampler } from './throughput-sampler.js';
import { agentStatuses, type AgentStatus } from './agent-roster.js';
import { AgentService, type AgentServiceOptions } from './agent-service.js';
import type { ServiceConfig } from '../config/service-config.js';
import { resolveEndpointPath } from '../storage/posix/endpoint-paths.js';
import { DEFAULT_PLAN_RATE, openSides, planOnAgents, planRequest } from './plan-request.js';
import { PHASE_TRANSFER } from './phases.js';
import type { ListedEntry, RequestAction, RequestPlan, RequestSpec, RequestView, ThroughputSample } from '../core/request-types.js';
import { requestView } from './request-view.js';
import { syncOptionsOf } from './spec-options.js';
import { RemoteAgents } from './remote-agents.js';
import { storedSpec } from './stored-spec.js';
import { watchStore, type StoreFailure } from '../state/watched-store.js';
import { listOnAgents, listRoot } from './endpoint-listing.js';
import type { AgentLink, EnrolBody, EnrolReply, LeasedWork, TaskReport } from '../core/agent-wire.js';
import type { EndpointConfig, SiteConfig } from '../config/service-config.js';
import type { EndpointStaging } from '../core/staging-figures.js';
import { StagingLoop } from './staging/staging-loop.js';
import { checkSpec, onThisHost, refuseArchiveSource, type SpecSides } from './submit-checks.js';
import { StrandedRequests } from './stranded-requests.js';
import { RequestLoop } from './request-loop.js';
import { ChangePublisher } from './change-publisher.js';
import { storeHealth } from './store-health.js';
import { sitesOf } from './site-listing.js';

/** grants for pushes live this long; agents get fresh ones with their leases */
const GRANT_TTL_MS = 60 * 60_000;
const WALK_KINDS = ['root', 'scan', 'scans'];

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
  /** 'error' (a loop failed) and 'audit' (an entry committed) */
  private readonly events = new EventEmitter();
  private samplerTimer: NodeJS.Timeout | undefined;

  private readonly now: () => number;
  private readonly store: StateStore;
  private readonly lastStoreFailure: () => StoreFailure | undefined;
  private readonly sampler: ThroughputSampler;
  /** stages the files of requests from archive endpoints (with the built-in agent: the archive is on this host) */
  private readonly staging: StagingLoop | undefined;
  private readonly stranded: StrandedRequests;
  private readonly loop: RequestLoop;
  private readonly changes: ChangePublisher;

  /** `storageAt` opens an endpoint directory (the backend is the caller's choice: cli wires posix) */
  constructor(raw: StateStore, private readonly config: ServiceConfig, private readonly storageAt: (abs: string) => Storage, o: CoordinatorOptions = {}) {
    const now = this.now = o.now ?? Date.now;
    const watched = watchStore(raw, now);
    const store = this.store = watched.store;
    this.lastStoreFailure = watched.lastFailure;
    this.events.setMaxListeners(0);
    const onError = (e: unknown): void => { this.events.emit('error', e); };
    this.changes = new ChangePublisher({ store, view: (r) => this.view(r), onError });
    this.agentLink = new AgentService(store, {
      endpoints: config.endpoints, retry: config.retry, leaseMs: config.leaseTimeoutMs, transfers: config.transfers,
      asRoot: typeof process.getuid === 'function' && process.getuid() === 0, now,
      onProgress: (ids) => { for (const id of ids) this.changes.changed(id); this.workQueued(); this.kick(); },
      ...(o.onLeased ? { onLeased: o.onLeased } : {}),
      ...(o.chunkCutoff !== undefined ? { chunkCutoff: o.chunkCutoff } : {}),
    });
    this.sampler = new ThroughputSampler(store, now, () => this.agentLink.movedBy);
    if (config.localAgent) {
      this.staging = new StagingLoop({
        store, endpoints: config.endpointStorage, now, onError,
        onChange: (id) => { this.changes.changed(id); this.workQueued(); this.kick(); },
      });
    }
    this.remoteAgents = new RemoteAgents(store, this.agentLink, {
      coordinator: config.name, endpoints: config.endpoints, leaseMs: config.leaseTimeoutMs, grantTtlMs: GRANT_TTL_MS, now,
    });
    this.stranded = new StrandedRequests({
      store, remoteAgents: this.remoteAgents, agentWaitMs: config.agentWaitMs, now,
      onFailed: (id) => {
        this.changes.changed(id);
        this.agentLink.canceled(id);
        this.remoteAgents.requestCanceled(id);
      },
    });
    this.loop = new RequestLoop({ store, config, stranded: this.stranded, now, onMoved: () => this.workQueued(), onError,
      // an end is announced at once: a client that follows the events need not wait for the next round
      onFinished: (id) => this.changes.publishNow(id) });
  }

  // ---- agents on other hosts
  agentEnrol(b: EnrolBody): Promise<EnrolReply> {
    return this.remoteAgents.enrol(b);
  }

  /**
   * The built-in agent joins as any agent does (its row, its earlier leases handed back) and
   * is placed as any is: it serves the endpoints it names, so it copies locally between them
   * (and, when some endpoints are on agents' hosts only, pushes to those agents).
   * Returns its link and how many tasks a previous process of its name held.
   */
  async enrolBuiltIn(b: EnrolBody): Promise<{ link: AgentLink; released: number }> {
    const released = await this.remoteAgents.register(b);
    const local = this.agentLink.localLink(b.endpoints);
    // an endpoint it does not serve is on agents' hosts: it is placed as they are, and pushes there
    const everywhere = [...this.config.endpoints.keys()].every((e) => b.endpoints.includes(e));
    return { link: everywhere ? local : this.remoteAgents.builtInLink(local), released };
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
    this.loop.start();
    this.changes.start();
    this.samplerTimer ??= setInterval(() => { this.sampler.sample().catch((e: unknown) => this.events.emit('error', e)); }, SAMPLE_MS);
    this.staging?.start();
    this.kick();
  }

  async stop(): Promise<void> {
    this.loop.stopTimers();
    this.changes.stop();
    clearInterval(this.samplerTimer);
    this.samplerTimer = undefined;
    await this.staging?.stop();
    await this.loop.idle();
  }

  /** run the plan and finish loops soon (request-loop.ts) */
  kick(): void {
    this.loop.kick();
  }

  /** tasks may be queued: every agent waiting for work looks again now */
  private workQueued(): void {
    this.remoteAgents.wake();
    this.agentLink.workQueued();
  }

  onError(listener: (e: unknown) => void): void {
    this.events.on('error', listener);
  }

  // ---- requests

  /**
   * `actor`: who submits (an API token's name); the audit trail's first entry. `inbox`: the
   * drop-folder file it comes from, whose key is kept in the request's own transaction.
   */
  async submit(spec: RequestSpec, actor: string, inbox?: { key: string; file: string }): Promise<RequestView> {
    refuseArchiveSource(spec, this.config);
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

  private checkSpec(spec: RequestSpec): Promise<SpecSides> {
    return checkSpec(spec, { config: this.config, storageAt: this.storageAt, remoteAgents: this.remoteAgents, now: this.now });
  }

  /** what the request would copy and how long it may take (plan-request.ts); nothing is stored; `rate`: bytes/s */
  async plan(spec: RequestSpec, o: { rate?: number } = {}): Promise<RequestPlan> {
    const opts = syncOptionsOf(spec, { transfers: this.config.transfers, asRoot: typeof process.getuid === 'function' && process.getuid() === 0 });
    const sides = await this.checkSpec(spec);
    const how = { rate: o.rate ?? this.config.planRate ?? DEFAULT_PLAN_RATE, nowNs: BigInt(this.now()) * 1_000_000n };
    // without the built-in agent the endpoints are on agents' hosts: live agents list them
    if (!this.config.localAgent) return planOnAgents(this.remoteAgents, sides, opts, { ...how, ca: this.config.tls?.ca });
    const here = { endpoints: this.config.endpointStorage, src: onThisHost(this.config, sides.src.endpoint.name), dst: onThisHost(this.config, sides.dst.endpoint.name) };
    if (!here.src || !here.dst) return planOnAgents(this.remoteAgents, sides, opts, { ...how, ca: this.config.tls?.ca }, here);
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
    const w = RUNNING_STATES.includes(r.state) ? this.stranded.waitingOf(r.id) : undefined;
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
    this.changes.changed(id);
    this.kick();
    return this.get(id);
  }

  /** `priority` from 1 to 10, while the request is open; kept in its audit trail as an action of `actor` */
  async setPriority(id: string, priority: number, actor: string): Promise<RequestView> {
    this.audited(id, await applyPriority(this.store, await this.found(id), priority, actor, this.now()));
    this.changes.changed(id);
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
    return sitesOf(this.config);
  }

  /** every agent in the table, alive or lost by placement's rule */
  agents(): Promise<AgentStatus[]> {
    return agentStatuses(this.store, (a, now) => this.remoteAgents.livenessOf(a, now), this.now());
  }

  async ls(endpoint: string, path: string): Promise<ListedEntry[]> {
    if (!this.config.endpoints.has(endpoint)) throw new BargeError('E_NOT_FOUND', `no endpoint named '${endpoint}'`);
    // without the built-in agent the endpoint is on agents' hosts: one of them looks
    if (!onThisHost(this.config, endpoint)) return listOnAgents(this.remoteAgents, endpoint, path, this.config.tls?.ca);
    const at = resolveEndpointPath(this.config.endpoints, `${endpoint}:${path}`, 'path');
    return listRoot(this.storageAt(at.abs), `${endpoint}:${at.rel}`);
  }

  // ---- live changes, health, metrics

  onChange(listener: (v: RequestView) => void): () => void {
    return this.changes.onChange(listener);
  }

  /** store-health.ts: down when the database does not answer, or refused a statement as away lately */
  health(): Promise<{ ok: boolean; db: string; message?: string }> {
    return storeHealth(this.store, this.lastStoreFailure, this.now);
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
