// The coordinator as the HTTP server sees it: every route is one call here. Errors are
// BargeErrors whose code picks the HTTP status (see docs/api.md).
import type { EndpointConfig, SiteConfig } from '../config/service-config.js';
import type { EnrolBody, EnrolReply, LeasedWork, TaskReport } from '../core/agent-wire.js';
import type { ListedEntry, RequestAction, RequestPlan, RequestSpec, RequestView, ThroughputSample } from '../core/request-types.js';
import type { AgentRecord, AuditEntry, ManifestEntry, MetricsSnapshot, Page, StoredError } from '../state/state-store.js';
import type { RequestState } from '../core/request-states.js';
import type { EndpointStaging } from '../core/staging-figures.js';

export type { MetricsSnapshot };

/** an agent in the table, alive or lost by the coordinator's placement rule */
export interface AgentStatus extends AgentRecord {
  state: 'alive' | 'lost';
  /** epoch ms; only when lost */
  lostSince?: number;
}

export interface CoordinatorApi {
  /** 'exists' when a client-given id is taken; `actor`: who submits (auth.ts actorOf), kept in the audit trail */
  submit(spec: RequestSpec, actor: string): Promise<RequestView>;
  /** what the request would copy and an estimate of its time; nothing is stored; `rate`: bytes/s */
  plan(spec: RequestSpec, o?: { rate?: number }): Promise<RequestPlan>;
  get(id: string): Promise<RequestView>;
  /** `text`: only requests whose id, source or destination holds it */
  list(q: { states?: RequestState[]; text?: string; limit: number; offset: number }): Promise<Page<RequestView>>;
  errors(id: string, limit: number, offset: number): Promise<Page<StoredError>>;
  manifest(id: string, limit: number, offset: number): Promise<Page<ManifestEntry>>;
  act(id: string, action: RequestAction, actor: string, o?: { keepPartial?: boolean }): Promise<RequestView>;
  /** a new priority (1 to 10) for an open request; in the audit trail as `actor`'s */
  setPriority(id: string, priority: number, actor: string): Promise<RequestView>;
  /** throughput samples after `after` (epoch ms), kept in memory about once a second while a request runs; id undefined: all requests together */
  samples(id: string | undefined, after?: number): ThroughputSample[];
  /** bytes per second each agent moved over the last second, by agent id (reports to this coordinator process only) */
  agentRates(): Record<string, number>;
  /** who submitted the request and took each action on it, oldest first */
  audit(id: string, limit: number, offset: number): Promise<Page<AuditEntry>>;
  endpoints(): EndpointConfig[];
  sites(): (SiteConfig & { endpoints: string[] })[];
  agents(): Promise<AgentStatus[]>;
  ls(endpoint: string, path: string): Promise<ListedEntry[]>;
  /** views of requests that changed since the last call of this listener (for server-sent events) */
  onChange(listener: (v: RequestView) => void): () => void;
  health(): Promise<{ ok: boolean; db: string; message?: string }>;
  metrics(): Promise<MetricsSnapshot>;
  /** bytes and files the agents of this process moved, for counters that only go up */
  moved(): { bytes: number; files: number };
  /** the archive endpoints this coordinator stages from (none without a built-in agent) */
  stagingFigures(): EndpointStaging[];
  /** seconds each lease call took, as they happen (for a histogram) */
  onLease(listener: (seconds: number) => void): () => void;

  // agents on other hosts (barge agent --coordinator)
  agentEnrol(b: EnrolBody): Promise<EnrolReply>;
  // `secret`: the x-barge-agent-secret header; the agent's enrolment got it. A missing or
  // wrong one throws E_AUTH (the name is held by another process), which the routes answer as 403
  /** a long poll: returns as soon as there is work, or with none after waitMs */
  agentLease(agentId: string, secret: string | undefined, capacity: number, waitMs: number): Promise<LeasedWork[]>;
  agentReport(agentId: string, secret: string | undefined, reports: TaskReport[]): Promise<void>;
  /** also says which requests were canceled since the last heartbeat */
  agentHeartbeat(agentId: string, secret: string | undefined, running: number, held?: readonly number[]): Promise<{ canceled: string[] }>;
  agentLeave(agentId: string, secret: string | undefined): Promise<void>;
}
