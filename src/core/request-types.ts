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
  /** -A: carry POSIX ACLs */
  acls?: boolean;
  /** -X: carry extended attributes (user.*; security.* and trusted.* when the agents run as root) */
  xattrs?: boolean;
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

/** what a request had moved at one moment (the coordinator samples running requests each second) */
export interface ThroughputSample {
  /** epoch ms */
  t: number;
  /** bytes copied so far (resumed ones included) */
  bytes: number;
  /** files done so far: copied, up to date or failed */
  files: number;
  /** bytes per second since the sample before; 0 once the request stopped */
  rate: number;
}

export type { RequestAction };

/** a request's plan (POST /api/requests?dryRun=1, `barge plan`): what it would copy and how long that may take; nothing is stored */
export interface RequestPlan {
  source: string;
  destination: string;
  /** found: source files the filters keep; toCopy: those not up to date at the destination (the quick check, as a sync compares) */
  files: { found: number; toCopy: number; upToDate: number; failed: number };
  bytes: { found: number; toCopy: number };
  /** of toCopy, files a sync would compare by content first (checksum): counted as to copy */
  compareFirst: number;
  /** an archive source: volumes to mount and what the drives would take, in tape order (and in request order, for comparison) */
  tape: PlanTape | null;
  /** bytes/s the transfer time is reckoned at, and that time */
  transfer: { rate: number; seconds: number };
  /** seconds from the start to the last byte shipped: staging and shipping overlap */
  etaSeconds: number;
  /** what the figures are: estimates, and by which model */
  note: string;
  /** the first files that could not be listed or located */
  errors: Array<{ path: string; code: string; message: string }>;
}

export interface PlanTape {
  drives: number;
  /** drives staging at once: fewer than `drives` when the buffer holds fewer sessions */
  drivesUsed: number;
  volumes: number;
  mounts: number;
  /** driver sessions: one volume, at most batch_size files, at most half the buffer each */
  sessions: number;
  /** robot moves, loads and unloads */
  mountSeconds: number;
  /** locates and the rewinds before unloads */
  locateSeconds: number;
  readSeconds: number;
  /** when the last drive is done, the drives in parallel */
  stageSeconds: number;
  /** files the archive could not place (their errors are listed) */
  unlocated: number;
  /** files larger than the whole buffer: they can never be staged */
  tooLarge: number;
  requestOrder: { mounts: number; stageSeconds: number };
}
