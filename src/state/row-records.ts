// A database row as the store's record, and back: requests and agents.
import { countersOf } from './counter-columns.js';
import type { AgentsTable, RequestsTable } from './schema.js';
import type { AgentRecord, RequestRecord } from './state-store.js';
import type { RequestState } from '../core/request-states.js';

export function requestOf(r: RequestsTable & { submitted_by: string | null }): RequestRecord {
  return {
    id: r.id, priority: r.priority, source: r.source, destination: r.destination, srcEndpoint: r.src_endpoint,
    dstEndpoint: r.dst_endpoint, spec: r.spec, state: r.state as RequestState, phase: r.phase, counters: countersOf(r),
    message: r.message, pausedFrom: r.paused_from as RequestState | null, createdAt: Number(r.created_at),
    startedAt: r.started_at === null ? null : Number(r.started_at), finishedAt: r.finished_at === null ? null : Number(r.finished_at),
    updatedAt: Number(r.updated_at), submittedBy: r.submitted_by,
  };
}

export function agentRow(a: AgentRecord, secretHash: string | null): AgentsTable {
  return {
    id: a.id, name: a.name, site: a.site, endpoints: JSON.stringify(a.endpoints), slots: a.slots, running: a.running,
    coordinator: a.coordinator, started_at: a.startedAt, last_seen: a.lastSeen, data_address: a.dataAddress ?? null, secret_hash: secretHash,
    data_tls: a.dataTls === true ? 1 : 0, version: a.version ?? null, protocol: a.protocol ?? null,
  };
}
