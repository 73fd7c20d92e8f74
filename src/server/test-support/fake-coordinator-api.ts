// FOR THE HTTP-LAYER TESTS ONLY: a CoordinatorApi that records calls and answers canned RequestViews, so route
// tests check status codes, schemas and auth; the real Coordinator is tested end to end elsewhere.
import type { EndpointStaging } from '../../core/staging-figures.js';
import type { EndpointConfig, SiteConfig } from '../../config/service-config.js';
import type { AgentStatus, CoordinatorApi, MetricsSnapshot } from '../coordinator-api.js';
import type { ListedEntry, RequestAction, RequestPlan, RequestSpec, RequestView, ThroughputSample } from '../../core/request-types.js';
import { BargeError } from '../../core/errors.js';
import type { EnrolBody, EnrolReply, LeasedWork, TaskReport } from '../../core/agent-wire.js';
import type { AuditEntry, ManifestEntry, Page, StoredError } from '../../state/state-store.js';
import { ACTION_TRANSITIONS, PRIORITY_FROM, type RequestState } from '../../core/request-states.js';

export function fakeView(over: Partial<RequestView> = {}): RequestView {
  return {
    id: 'r-1', state: 'queued', priority: 5, source: 'panda:/user_xyz', destination: 'badger:/', options: {},
    createdAt: '2026-11-22T10:00:00.000Z', startedAt: null, finishedAt: null, walkDone: false,
    files: { found: 0, toCopy: 0, copied: 0, upToDate: 0, failed: 0, deleted: 0 },
    bytes: { found: 0, toCopy: 0, copied: 0, resumed: 0 }, rate: 0, etaSeconds: null, errorCount: 0, message: null, submittedBy: 'ops',
    ...over,
  };
}

export class FakeCoordinatorApi implements CoordinatorApi {
  /** every call, in order: method name and arguments */
  readonly calls: { method: string; args: unknown[] }[] = [];
  /** insertion order is creation order; list() answers newest first */
  readonly requests = new Map<string, RequestView>();
  readonly errorsOf = new Map<string, StoredError[]>();
  readonly manifestOf = new Map<string, ManifestEntry[]>();
  /** what submit and act were told of who called, as the coordinator keeps it */
  readonly auditOf = new Map<string, AuditEntry[]>();
  readonly changeListeners = new Set<(v: RequestView) => void>();
  readonly leaseListeners = new Set<(s: number) => void>();
  healthy = true;
  /** true: the database is away: metrics() and agents() throw E_UNAVAILABLE, health() says not ok */
  databaseAway = false;
  movedSoFar = { bytes: 0, files: 0 };
  snapshot: MetricsSnapshot = {
    tasks: [{ state: 'queued', kind: 'copy', n: 3 }, { state: 'leased', kind: 'scan', n: 1 }],
    requests: [{ state: 'running', n: 2 }],
    errors: [{ code: 'E_PERMISSION', n: 4 }],
    queueDepth: 3,
  };
  listing: ListedEntry[] = [
    { name: 'b.dat', type: 'file', size: 2, mtimeNs: '1700000000000000002', mode: 0o644 },
    { name: 'a', type: 'dir', size: 0, mtimeNs: '1700000000000000001', mode: 0o755 },
  ];
  agentList: AgentStatus[] = [{
    id: 'a-1', name: 'local@host', site: 'sdsc', endpoints: ['panda'], slots: 4, running: 2, coordinator: 'c1',
    startedAt: Date.UTC(2026, 10, 22, 9), lastSeen: Date.UTC(2026, 10, 22, 10), state: 'alive',
  }];
  private nextId = 1;
  private failure: Error | undefined;

  /** The next api call throws `e` (to check how the server maps errors). */
  failNext(e: Error): void { this.failure = e; }

  private record(method: string, ...args: unknown[]): void {
    this.calls.push({ method, args });
    const e = this.failure;
    if (e === undefined) return;
    this.failure = undefined;
    throw e;
  }

  /** Errors as a rejected promise, as an async coordinator gives them. */
  private answer<T>(fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  private found(id: string): RequestView {
    const v = this.requests.get(id);
    if (v === undefined) throw new BargeError('E_NOT_FOUND', `no request ${id}`);
    return v;
  }

  /** Calls the SSE listeners as the coordinator would when a request changes. */
  emit(v: RequestView): void {
    for (const l of this.changeListeners) l(v);
  }

  lease(seconds: number): void {
    for (const l of this.leaseListeners) l(seconds);
  }

  /** a canned plan of the spec's two sides; nothing is kept */
  plan(spec: RequestSpec, o: { rate?: number } = {}): Promise<RequestPlan> {
    return this.answer(() => {
      this.record('plan', spec, o);
      const rate = o.rate ?? 125e6;
      return {
        source: spec.source, destination: spec.destination, files: { found: 3, toCopy: 2, upToDate: 1, failed: 0 }, bytes: { found: 300, toCopy: 200 },
        compareFirst: 0, tape: null, transfer: { rate, seconds: 200 / rate }, etaSeconds: 200 / rate, note: 'estimates', errors: [],
      };
    });
  }

  submit(spec: RequestSpec, actor: string): Promise<RequestView> {
    return this.answer(() => {
      this.record('submit', spec, actor);
      const id = spec.id ?? `r-${this.nextId++}`;
      if (this.requests.has(id)) throw new BargeError('E_EXISTS', `request ${id} exists`);
      const { source, destination, priority, ...options } = spec;
      delete options.id;
      const v = fakeView({ id, source, destination, priority: priority ?? 5, options, submittedBy: actor });
      this.requests.set(id, v);
      this.auditOf.set(id, [{ at: Date.UTC(2026, 10, 22, 10), actor, action: 'submit', detail: null }]);
      return v;
    });
  }

  get(id: string): Promise<RequestView> {
    return this.answer(() => {
      this.record('get', id);
      return this.found(id);
    });
  }

  list(q: { states?: RequestState[]; text?: string; limit: number; offset: number }): Promise<Page<RequestView>> {
    return this.answer(() => {
      this.record('list', q);
      const holds = (v: RequestView): boolean => q.text === undefined || [v.id, v.source, v.destination].some((x) => x.includes(q.text ?? ''));
      const all = [...this.requests.values()].reverse().filter((v) => (q.states === undefined || q.states.includes(v.state)) && holds(v));
      return { items: all.slice(q.offset, q.offset + q.limit), total: all.length };
    });
  }

  errors(id: string, limit: number, offset: number): Promise<Page<StoredError>> {
    return this.answer(() => this.page('errors', this.errorsOf, id, limit, offset));
  }

  audit(id: string, limit: number, offset: number): Promise<Page<AuditEntry>> {
    return this.answer(() => this.page('audit', this.auditOf, id, limit, offset));
  }

  manifest(id: string, limit: number, offset: number): Promise<Page<ManifestEntry>> {
    return this.answer(() => this.page('manifest', this.manifestOf, id, limit, offset));
  }

  private page<T>(method: string, of: Map<string, T[]>, id: string, limit: number, offset: number): Page<T> {
    this.record(method, id, limit, offset);
    this.found(id);
    const all = of.get(id) ?? [];
    return { items: all.slice(offset, offset + limit), total: all.length };
  }

  act(id: string, action: RequestAction, actor: string): Promise<RequestView> {
    return this.answer(() => {
      this.record('act', id, action, actor);
      const v = this.found(id);
      const rule = ACTION_TRANSITIONS[action];
      if (!rule.from.includes(v.state)) throw new BargeError('E_STATE', `cannot ${action} a ${v.state} request`);
      // a canned view keeps no paused-from: resume goes back to running
      const next = { ...v, state: rule.to === 'paused-from' ? 'running' as const : rule.to };
      this.requests.set(id, next);
      this.auditOf.get(id)?.push({ at: Date.UTC(2026, 10, 22, 11), actor, action, detail: null });
      return next;
    });
  }

  setPriority(id: string, priority: number, actor: string): Promise<RequestView> {
    return this.answer(() => {
      this.record('setPriority', id, priority, actor);
      const v = this.found(id);
      if (!PRIORITY_FROM.includes(v.state)) throw new BargeError('E_STATE', `cannot change the priority of a ${v.state} request`);
      const next = { ...v, priority };
      this.requests.set(id, next);
      this.auditOf.get(id)?.push({ at: Date.UTC(2026, 10, 22, 11), actor, action: 'priority', detail: String(priority) });
      return next;
    });
  }

  /** canned samples: set by a test */
  sampleList: ThroughputSample[] = [];

  samples(id: string | undefined, after = 0): ThroughputSample[] {
    this.record('samples', id, after);
    if (id !== undefined) this.found(id);
    return this.sampleList.filter((x) => x.t > after);
  }

  /** canned agent rates: set by a test */
  rates: Record<string, number> = {};

  agentRates(): Record<string, number> {
    return this.rates;
  }

  endpoints(): EndpointConfig[] {
    this.record('endpoints');
    return [{ name: 'panda', kind: 'posix', path: '/mnt/panda', write: false, site: 'sdsc' }, { name: 'badger', kind: 'posix', path: '/mnt/badger', write: true, site: 'sdsc' }];
  }

  sites(): (SiteConfig & { endpoints: string[] })[] {
    this.record('sites');
    return [{ name: 'sdsc', endpoints: ['panda', 'badger'] }];
  }

  agents(): Promise<AgentStatus[]> {
    return this.answer(() => {
      this.record('agents');
      if (this.databaseAway) throw new BargeError('E_UNAVAILABLE', 'the database does not answer');
      return this.agentList;
    });
  }

  ls(endpoint: string, path: string): Promise<ListedEntry[]> {
    return this.answer(() => {
      this.record('ls', endpoint, path);
      if (endpoint !== 'panda' && endpoint !== 'badger') throw new BargeError('E_NOT_FOUND', `no endpoint ${endpoint}`);
      if (path.split('/').includes('..')) throw new BargeError('E_PATH_ESCAPE', `${path} is outside ${endpoint}`);
      return this.listing;
    });
  }

  onChange(listener: (v: RequestView) => void): () => void {
    this.changeListeners.add(listener);
    return () => { this.changeListeners.delete(listener); };
  }

  health(): Promise<{ ok: boolean; db: string }> {
    return this.answer(() => {
      this.record('health');
      return { ok: this.healthy && !this.databaseAway, db: 'sqlite' };
    });
  }

  metrics(): Promise<MetricsSnapshot> {
    return this.answer(() => {
      this.record('metrics');
      if (this.databaseAway) throw new BargeError('E_UNAVAILABLE', 'the database does not answer');
      return this.snapshot;
    });
  }

  moved(): { bytes: number; files: number } {
    return this.movedSoFar;
  }

  stagingFigures(): EndpointStaging[] {
    return [];
  }

  onLease(listener: (seconds: number) => void): () => void {
    this.leaseListeners.add(listener);
    return () => { this.leaseListeners.delete(listener); };
  }

  /** what agentLease answers */
  work: LeasedWork[] = [];

  agentEnrol(b: EnrolBody): Promise<EnrolReply> {
    this.record('agentEnrol', b);
    return Promise.resolve({
      agentId: b.name, agentSecret: 'sekrit', grantKey: 'PEM', leaseMs: 30_000, heartbeatMs: 7_500, endpoints: b.endpoints.map((name) => ({ name, write: true })),
    });
  }

  /** as the coordinator does: a call naming an agent with any secret but the one enrolment gave is E_AUTH */
  private identify(agentId: string, secret: string | undefined): Promise<void> {
    return secret === 'sekrit' ? Promise.resolve() : Promise.reject(new BargeError('E_AUTH', `agent '${agentId}' is enrolled by another process: enrol again`));
  }

  async agentLease(agentId: string, secret: string | undefined, capacity: number, waitMs: number): Promise<LeasedWork[]> {
    this.record('agentLease', agentId, capacity, waitMs);
    await this.identify(agentId, secret);
    return this.work;
  }

  async agentReport(agentId: string, secret: string | undefined, reports: TaskReport[]): Promise<void> {
    this.record('agentReport', agentId, reports);
    await this.identify(agentId, secret);
  }

  async agentHeartbeat(agentId: string, secret: string | undefined, running: number, _held?: readonly number[]): Promise<{ canceled: string[] }> {
    this.record('agentHeartbeat', agentId, running);
    await this.identify(agentId, secret);
    return { canceled: [] };
  }

  async agentLeave(agentId: string, secret: string | undefined): Promise<void> {
    this.record('agentLeave', agentId);
    await this.identify(agentId, secret);
  }
}
