// StateStore: what the coordinator keeps in its database — requests, the task queue,
// agents, per-file errors, the manifest — as narrow methods, plus tx() to commit
// several of them at once. One implementation over kysely serves every engine.
import type { Counters } from '../core/counters.js';

import type { AuditEntry } from '../core/request-audit.js';
import type { RequestState } from '../core/request-states.js';

export type { AuditEntry, RequestState };

export type TaskState = 'queued' | 'leased' | 'done' | 'failed' | 'canceled';
export const TASK_STATES: readonly TaskState[] = ['queued', 'leased', 'done', 'failed', 'canceled'];

/** what /metrics reads of the store at each scrape */
export interface MetricsSnapshot {
  tasks: { state: string; kind: string; n: number }[];
  requests: { state: string; n: number }[];
  errors: { code: string; n: number }[];
  /** queued tasks of running requests */
  queueDepth: number;
}

export interface NewRequest {
  id: string;
  priority: number;
  source: string;
  destination: string;
  srcEndpoint: string;
  dstEndpoint: string;
  /** the request as posted (JSON), without its file list; opaque to the store */
  spec: string;
  /** its file list (JSON), kept apart: up to a million paths must not ride with every read of the row */
  files?: string;
}

export interface RequestRecord extends NewRequest {
  state: RequestState;
  phase: number;
  counters: Counters;
  message: string | null;
  pausedFrom: RequestState | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  updatedAt: number;
  /** the actor of its submit entry in the audit trail; null for requests older than the trail */
  submittedBy: string | null;
}

export interface NewTask {
  kind: string;
  phase: number;
  /** JSON, opaque to the store */
  payload: string;
  items: number;
  bytes: number;
  groupKey?: string;
  notBefore?: number;
}

export interface LeasedTask {
  id: number;
  requestId: string;
  kind: string;
  phase: number;
  payload: string;
  items: number;
  bytes: number;
  groupKey: string | null;
  /** how many times it has been leased, this time included */
  attempts: number;
  leaseExpires: number;
}

export interface FileError {
  path: string;
  code: string;
  message: string;
}

export interface ManifestEntry {
  path: string;
  size: number;
  mtimeNs: string;
  hash: string;
}

export interface DirMetaEntry {
  path: string;
  depth: number;
  payload: string;
}

/** what finishing one task changes; applied in one transaction with the task's end */
export interface Completion {
  counters?: Partial<Counters>;
  tasks?: NewTask[];
  errors?: FileError[];
  manifest?: ManifestEntry[];
  dirMeta?: DirMetaEntry[];
  /** kept on the task for its group (a chunk's hash) */
  result?: string;
  /** the task failed for good (its files are in `errors`): its group never closes */
  failed?: boolean;
  /** try (part of) it again later instead of ending it */
  retry?: { notBefore: number; payload: string; items: number; bytes: number };
  /** called when this was the last open task of its group and none failed: the results in task order */
  closeGroup?: (results: string[]) => NewTask | undefined;
}

/** a request a lease may take tasks from (running or finalizing) */
export interface Runnable {
  id: string;
  phase: number;
  priority: number;
  srcEndpoint: string;
  dstEndpoint: string;
}

/** how many queued tasks of one request (at its phase) a lease may take: the dispatcher's decision */
export interface Quota {
  requestId: string;
  phase: number;
  want: number;
}

export interface LeaseLimits {
  leaseMs: number;
  /** at most this many tasks in all, the quotas served in order; undefined = the sum of the wants */
  limit?: number;
  /** only tasks of at most this many bytes (what an agent leases beyond what it starts at once); undefined = any */
  maxTaskBytes?: number;
}

export interface AgentRecord {
  id: string;
  name: string;
  site: string;
  endpoints: string[];
  slots: number;
  running: number;
  coordinator: string;
  startedAt: number;
  lastSeen: number;
  /** "host:port" of its data plane; undefined for agents that only copy locally */
  dataAddress?: string;
  /** its data plane speaks TLS */
  dataTls?: boolean;
  /** the barge version it enrolled with */
  version?: string;
  /** the agent protocol it enrolled speaking (core/agent-wire.ts AGENT_PROTOCOL) */
  protocol?: number;
}

/** what the calls of an enrolled agent are checked against */
export interface AgentIdentity {
  /** SHA-256 (hex) of its secret; null for a built-in agent, which no HTTP caller may act as */
  secretHash: string | null;
  /** the agent protocol and barge version it enrolled with; null in rows from before they were kept */
  protocol: number | null;
  version: string | null;
}

export interface Page<T> {
  items: T[];
  total: number;
}

export interface StoredError extends FileError {
  at: number;
}

export interface PhaseState {
  /** queued or leased tasks at the request's phase */
  open: number;
  /** the lowest phase above the current one that has queued tasks */
  nextPhase: number | undefined;
  /** the deepest directory whose metadata is still to be set */
  dirMetaDepth: number | undefined;
}

/** a task held until its file is staged (core/request-states.ts HELD_UNTIL_STAGED) */
export interface HeldTask { id: number; kind: string; phase: number; payload: string }

/** a file of the drop-folder inbox and the request it became */
export interface InboxKeyEntry { key: string; requestId: string; fileName: string }

export interface StateStore {
  readonly flavor: 'sqlite' | 'postgres';
  /** run fn in one transaction; nested calls join the outer one */
  tx<T>(fn: (s: StateStore) => Promise<T>): Promise<T>;

  createRequest(r: NewRequest, now: number): Promise<boolean>;
  getRequest(id: string): Promise<RequestRecord | undefined>;
  /** the file list a request was made with (as given to createRequest), if any */
  requestFiles(id: string): Promise<string | undefined>;
  /** the row, locked until the transaction ends (PostgreSQL); for decisions several coordinators may race on */
  lockRequest(id: string): Promise<RequestRecord | undefined>;
  /** `text`: only requests whose id, source or destination holds it (case-sensitive on PostgreSQL, not for ASCII on SQLite) */
  listRequests(q: { states?: readonly RequestState[]; text?: string; limit: number; offset: number }): Promise<Page<RequestRecord>>;
  /** requests in these states, oldest first (ids and states only are needed, but rows are small) */
  requestsIn(states: readonly RequestState[]): Promise<RequestRecord[]>;
  /** move a request from one of `from` to `to`; false when it was not in one of `from` */
  setRequestState(id: string, from: readonly RequestState[], to: RequestState, now: number, extra?: { phase?: number; message?: string | null; pausedFrom?: RequestState | null }): Promise<boolean>;
  /** set a request's priority if it is in one of `from`; false when it was not */
  setRequestPriority(id: string, from: readonly RequestState[], priority: number, now: number): Promise<boolean>;
  addCounters(id: string, delta: Partial<Counters>, now: number): Promise<void>;
  /** forget a request's tasks, errors, manifest and counters, and queue it again */
  resetRequest(id: string, now: number): Promise<void>;

  enqueue(requestId: string, tasks: readonly NewTask[], now: number): Promise<void>;
  /**
   * the requests leases may take tasks from, highest priority first, then oldest; a list
   * read at most every 200 ms (a stale one never leases a task of a request that stopped:
   * each pick checks its request still runs at that phase)
   */
  runnableRequests(): Promise<Runnable[]>;
  /**
   * leases up to each quota's `want` queued tasks of its request, one pick per quota in the
   * order given, each task to one agent only; policy (who gets how many) is the caller's
   */
  leaseWithin(agentId: string, quotas: readonly Quota[], o: LeaseLimits, now: number): Promise<LeasedTask[]>;
  /** apply a finished task; false when the agent no longer holds its lease (the result is dropped) */
  complete(agentId: string, taskId: number, c: Completion, now: number): Promise<boolean>;
  /** several at once, in one transaction */
  completeMany(agentId: string, done: readonly { taskId: number; completion: Completion }[], now: number): Promise<boolean[]>;
  /** push back the expiry of every lease the agent holds */
  /** only: just these tasks of the agent's (those it says it holds); absent, all of them */
  extendLeases(agentId: string, leaseMs: number, now: number, only?: readonly number[]): Promise<number>;
  /** leases that expired go back to the queue; returns how many */
  reapExpired(now: number): Promise<number>;
  /** hand back the leases of an agent at once (it stopped, or a new process took its name) */
  releaseLeases(agentId: string): Promise<number>;
  phaseState(requestId: string, phase: number): Promise<PhaseState>;
  /** PhaseState.open alone: one read */
  openTasks(requestId: string, phase: number): Promise<number>;
  /** payloads of the queued tasks of a phase */
  queuedPayloads(requestId: string, phase: number): Promise<{ id: number; kind: string; payload: string }[]>;
  /** one payload per group of tasks of this kind (a large file's chunks: its first), in any state */
  groupHeads(requestId: string, kind: string): Promise<string[]>;
  /** queued (and optionally leased) tasks of a request, or of one phase, end as canceled */
  cancelTasks(requestId: string, o: { phase?: number; leased?: boolean }, now: number): Promise<number>;
  /** the directories of one depth whose metadata is due, removed from the list */
  takeDirMeta(requestId: string, depth: number): Promise<DirMetaEntry[]>;
  /** queued or leased tasks of these kinds (e.g. is the walk done) */
  openCount(requestId: string, kinds: readonly string[]): Promise<number>;
  /** the results finished tasks of a phase left (e.g. delete counts) */
  phaseResults(requestId: string, phase: number): Promise<string[]>;
  /** queued tasks of running requests */
  queueDepth(): Promise<number>;
  /** task ids a request has leased out now */
  leasedTasks(requestId: string): Promise<{ id: number; agent: string }[]>;

  /** a request's tasks held until their files are staged (not_before = HELD_UNTIL_STAGED), oldest first */
  heldTasks(requestId: string, afterId: number): Promise<HeldTask[]>;
  /**
   * held tasks whose files are staged: removed, and `tasks` queued in their place (their ids
   * returned, in order); undefined (nothing changed) when one is no longer held
   */
  startHeld(requestId: string, ids: readonly number[], tasks: readonly NewTask[], now: number): Promise<number[] | undefined>;
  /** held tasks whose files cannot be staged: removed, their errors kept and counted as failed; false as for startHeld */
  failHeld(requestId: string, ids: readonly number[], errors: readonly FileError[], now: number): Promise<boolean>;
  /** which of these tasks are still queued or leased */
  openTaskIds(ids: readonly number[]): Promise<number[]>;
  /** which of these paths the request's manifest holds (copied and verified) */
  manifestHas(requestId: string, paths: readonly string[]): Promise<string[]>;

  addErrors(requestId: string, errors: readonly FileError[], now: number): Promise<void>;
  listErrors(requestId: string, limit: number, offset: number): Promise<Page<StoredError>>;
  listManifest(requestId: string, limit: number, offset: number): Promise<Page<ManifestEntry>>;

  /** writes an agent's row as it is (the built-in agent's: no secret) */
  /** one entry of a request's audit trail; callers write it in the transaction of the change it records */
  addAudit(requestId: string, e: AuditEntry): Promise<void>;
  /** a request's audit trail, in the order it was written */
  listAudit(requestId: string, limit: number, offset: number): Promise<Page<AuditEntry>>;

  /**
   * Records that the inbox file `fileName` with `key` became `requestId`; callers write it in
   * the transaction that creates the request. False when the key is taken (nothing written).
   */
  addInboxKey(e: InboxKeyEntry, now: number): Promise<boolean>;
  /** the request an inbox key became, if any */
  inboxKey(key: string): Promise<InboxKeyEntry | undefined>;
  /** the inbox entries of a request (one, unless its id was taken by several keys: never) */
  inboxKeysOf(requestId: string): Promise<InboxKeyEntry[]>;
  /** every inbox entry with its request's state: which ones still owe a status file */
  listInboxKeys(): Promise<(InboxKeyEntry & { state: RequestState })[]>;

  upsertAgent(a: AgentRecord): Promise<void>;
  /**
   * Takes the name for a new process, in one statement: writes the row (with `secretHash`)
   * unless a row of that id was heard from at or after `staleBefore`. True when written;
   * of two processes claiming one name at once, at most one gets true.
   */
  claimAgent(a: AgentRecord, secretHash: string, staleBefore: number): Promise<boolean>;
  /** the agent's secret hash: undefined when no row has that id, null when the row has no secret */
  /** undefined when no agent has that id */
  agentIdentity(agentId: string): Promise<AgentIdentity | undefined>;
  heartbeat(agentId: string, running: number, now: number): Promise<void>;
  listAgents(): Promise<AgentRecord[]>;
  removeAgent(agentId: string): Promise<void>;
  /** remove the agents last heard from before `seenBefore` that hold no lease; returns their ids */
  pruneAgents(seenBefore: number): Promise<string[]>;
  /** a task an agent holds, read back (a report that reaches a restarted coordinator) */
  heldTask(agentId: string, taskId: number): Promise<LeasedTask | undefined>;
  /** a setting shared by all coordinators: the stored value, or `value` if none was stored yet */
  settingOrInit(key: string, value: string): Promise<string>;

  /** for metrics */
  taskCounts(): Promise<{ state: TaskState; kind: string; n: number }[]>;
  requestCounts(): Promise<{ state: RequestState; n: number }[]>;
  errorCounts(): Promise<{ code: string; n: number }[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
