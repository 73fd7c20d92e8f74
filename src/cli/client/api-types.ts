// The shapes the coordinator's HTTP API answers with, as docs/api.md describes them;
// the CLI client reads them and never trusts more than these fields.

export type RequestState = 'queued' | 'running' | 'finalizing' | 'succeeded' | 'failed' | 'canceled' | 'paused';

export const ACTIVE_STATES: readonly RequestState[] = ['queued', 'running', 'finalizing', 'paused'];
export const FINAL_STATES: readonly RequestState[] = ['succeeded', 'failed', 'canceled'];

export interface RequestView {
  id: string;
  state: RequestState;
  priority: number;
  source: string;
  destination: string;
  options: Record<string, unknown>;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  walkDone: boolean;
  files: { found: number; toCopy: number; copied: number; upToDate: number; failed: number; deleted: number };
  bytes: { found: number; toCopy: number; copied: number };
  /** bytes per second since the request started running */
  rate: number;
  /** null until the walk is done */
  etaSeconds: number | null;
  errorCount: number;
  message: string | null;
}

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
