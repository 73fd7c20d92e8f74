// The shapes the coordinator's HTTP API answers with, as docs/api.md describes them;
// the CLI client reads them. What the coordinator defines (request, spec, listing) is its own type, so the two cannot drift.

import type { ListedEntry, RequestView } from '../../core/request-types.js';
import { FINAL_STATES, OPEN_STATES, type RequestState } from '../../core/request-states.js';

export type { RequestState, RequestView };
export type ListItem = ListedEntry;

/** the requests `barge ls` shows by default: those not at an end */
export const ACTIVE_STATES: readonly RequestState[] = OPEN_STATES;
export { FINAL_STATES };
export const ALL_STATES: readonly RequestState[] = [...OPEN_STATES, ...FINAL_STATES];

export interface Page<T> {
  items: T[];
  total: number;
  nextOffset: number | null;
}

export interface RequestError {
  path: string;
  code: string;
  message: string;
  at: string;
}

/** an entry of GET /api/requests/{id}/audit */
export interface AuditEntryView {
  at: string;
  actor: string;
  action: string;
  detail: string | null;
}

/** an entry of GET /api/agents */
export interface AgentView {
  id: string;
  name: string;
  site: string;
  endpoints: string[];
  coordinator: string;
  startedAt: string;
  lastSeen: string;
  state: 'alive' | 'lost';
  lostSince?: string;
  slots: number;
  running: number;
  dataAddress?: string;
  version?: string;
  protocol?: number;
}

export interface EndpointView {
  name: string;
  kind: string;
  path: string;
  write: boolean;
  site: string;
}

export interface Listing {
  endpoint: string;
  path: string;
  items: ListItem[];
}

/** the body of POST /api/requests is the coordinator's RequestSpec; absent fields take the server's defaults */
export type { RequestFilters as SubmitFilters, RequestSpec as SubmitBody } from '../../core/request-types.js';

export interface SubmitAnswer {
  id: string;
  request: RequestView;
}

export type { RequestAction } from '../../core/request-types.js';
