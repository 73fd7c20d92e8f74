// The shapes the coordinator's HTTP API answers with, as docs/api.md describes them;
// the CLI client reads them. RequestView is the coordinator's own type, so the two cannot drift.

import type { RequestState } from '../../state/state-store.js';

export type { RequestState } from '../../state/state-store.js';
import type { RequestView } from '../../coordinator/request-types.js';

export type { RequestView };

export const ACTIVE_STATES: readonly RequestState[] = ['queued', 'running', 'finalizing', 'paused'];
export const FINAL_STATES: readonly RequestState[] = ['succeeded', 'failed', 'canceled'];

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

export interface EndpointView {
  name: string;
  kind: string;
  path: string;
  write: boolean;
  site: string;
}

export interface ListItem {
  name: string;
  type: string;
  size: number;
  mtimeNs: string;
  mode: number;
}

export interface Listing {
  endpoint: string;
  path: string;
  items: ListItem[];
}

export interface SubmitFilters {
  rules?: { kind: 'include' | 'exclude'; pattern: string }[];
  minSize?: number;
  maxSize?: number;
  minAge?: number;
  maxAge?: number;
}

/** The body of POST /api/requests; absent fields take the server's defaults. */
export interface SubmitBody {
  id?: string;
  source: string;
  destination: string;
  delete?: boolean;
  maxDelete?: number;
  checksum?: boolean;
  sizeOnly?: boolean;
  ignoreExisting?: boolean;
  verify?: boolean;
  hash?: 'xxh3' | 'sha256' | 'md5';
  priority?: number;
  filters?: SubmitFilters;
  files?: string[];
}

export interface SubmitAnswer {
  id: string;
  request: RequestView;
}

export type RequestAction = 'cancel' | 'pause' | 'resume' | 'retry';
