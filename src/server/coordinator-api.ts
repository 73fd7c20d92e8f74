// The coordinator as the HTTP server sees it: every route is one call here. Errors are
// BargeErrors whose code picks the HTTP status (see docs/api.md).
import type { EndpointConfig, SiteConfig } from '../config/service-config.js';
import type { EnrolBody, EnrolReply, LeasedWork, TaskReport } from '../core/agent-wire.js';
import type { ListedEntry, RequestAction, RequestSpec, RequestView } from '../core/request-types.js';
import type { AgentRecord, ManifestEntry, MetricsSnapshot, Page, StoredError } from '../state/state-store.js';
import type { RequestState } from '../core/request-states.js';

export type { MetricsSnapshot };

export interface CoordinatorApi {
  /** 'exists' when a client-given id is taken */
  submit(spec: RequestSpec): Promise<RequestView>;
  get(id: string): Promise<RequestView>;
  list(q: { states?: RequestState[]; limit: number; offset: number }): Promise<Page<RequestView>>;
  errors(id: string, limit: number, offset: number): Promise<Page<StoredError>>;
  manifest(id: string, limit: number, offset: number): Promise<Page<ManifestEntry>>;
  act(id: string, action: RequestAction, o?: { keepPartial?: boolean }): Promise<RequestView>;
  endpoints(): EndpointConfig[];
  sites(): (SiteConfig & { endpoints: string[] })[];
  agents(): Promise<AgentRecord[]>;
  ls(endpoint: string, path: string): Promise<ListedEntry[]>;
  /** views of requests that changed since the last call of this listener (for server-sent events) */
  onChange(listener: (v: RequestView) => void): () => void;
  health(): Promise<{ ok: boolean; db: string; message?: string }>;
  metrics(): Promise<MetricsSnapshot>;
  /** bytes and files the agents of this process moved, for counters that only go up */
  moved(): { bytes: number; files: number };
  /** seconds each lease call took, as they happen (for a histogram) */
  onLease(listener: (seconds: number) => void): () => void;

  // agents on other hosts (barge agent --coordinator)
  agentEnrol(b: EnrolBody): Promise<EnrolReply>;
  /** a long poll: returns as soon as there is work, or with none after waitMs */
  agentLease(agentId: string, capacity: number, waitMs: number): Promise<LeasedWork[]>;
  agentReport(agentId: string, reports: TaskReport[]): Promise<void>;
  /** also says which requests were canceled since the last heartbeat */
  agentHeartbeat(agentId: string, running: number, held?: readonly number[]): Promise<{ canceled: string[] }>;
  agentLeave(agentId: string): Promise<void>;
}
