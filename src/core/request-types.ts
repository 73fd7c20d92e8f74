// What a client asks for (RequestSpec, as posted to the API) and what it is shown
// (RequestView): the plain shapes the coordinator, the server and the client share.
import type { FilterRule } from './filter.js';
import type { HashName } from './sync-options.js';
import type { RequestAction, RequestState } from './request-states.js';
import type { RequestStaging } from './staging-figures.js';

export interface RequestFilters {
  rules?: FilterRule[];
  minSize?: number;
  maxSize?: number;
  minAge?: number;
  maxAge?: number;
}

export interface RequestSpec {
  id?: string;
  source: string;
  destination: string;
  delete?: boolean;
  maxDelete?: number;
  checksum?: boolean;
  sizeOnly?: boolean;
  ignoreExisting?: boolean;
  verify?: boolean;
  keepCache?: boolean;
  hash?: HashName;
  priority?: number;
  filters?: RequestFilters;
  files?: string[];
  /** ISO 8601: the request fails if it has not finished by then (and stops waiting for agents) */
  deadline?: string;
  /** a cancel leaves the partial files of large files for a retry to resume (default: they are removed) */
  keepPartial?: boolean;
}

export interface RequestView {
  id: string;
  state: RequestState;
  priority: number;
  source: string;
  destination: string;
  /** as posted, but for `files`, shown as its count: a list of up to a million paths would travel with every view */
  options: Omit<RequestSpec, 'id' | 'source' | 'destination' | 'priority' | 'files'> & { filesListed?: number };
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  walkDone: boolean;
  files: { found: number; toCopy: number; copied: number; upToDate: number; failed: number; deleted: number };
  /** copied counts the bytes a resume kept too; resumed: those alone */
  bytes: { found: number; toCopy: number; copied: number; resumed: number };
  rate: number;
  etaSeconds: number | null;
  errorCount: number;
  message: string | null;
  /** the API token (its name) that submitted it; null for requests older than the audit trail */
  submittedBy: string | null;
  /** while no live agent can run it: why, since when, and when it fails unless one returns */
  waiting?: { reason: string; since: string; until: string };
  /** from an archive endpoint, while this coordinator process stages it: mounts, the buffer, its files by stage state */
  staging?: RequestStaging;
}

export interface ListedEntry {
  name: string;
  type: string;
  size: number;
  mtimeNs: string;
  mode: number;
}

export type { RequestAction };
