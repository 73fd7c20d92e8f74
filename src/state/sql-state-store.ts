// The StateStore over kysely: the same queries for SQLite, in-memory SQLite and
// PostgreSQL; the few differences ask `flavor`. The queries live in sql-*.ts, one table or
// concern each; this class holds what spans them: transactions, the lease hints, and the
// grouping of completions.
import type { Kysely, Transaction } from 'kysely';
import type { Counters } from '../core/counters.js';
import type { Flavor } from './flavor.js';
import type { Database } from './schema.js';
import { RunnableRequests } from './runnable-requests.js';
import * as queue from './sql-task-queue.js';
import * as audit from './sql-request-audit.js';
import * as inbox from './sql-inbox-keys.js';
import * as staging from './sql-staging.js';
import * as requests from './sql-requests.js';
import * as agents from './sql-agents.js';
import * as leases from './sql-leases.js';
import * as phaseTasks from './sql-phase-tasks.js';
import * as results from './sql-request-results.js';
import * as counts from './sql-counts.js';
import type { LeaseRun } from './sql-task-queue.js';
import type {
  AgentIdentity, AgentRecord, AuditEntry, Completion, DirMetaEntry, FileError, HeldTask, InboxKeyEntry, LeasedTask, LeaseLimits, ManifestEntry, NewRequest, NewTask, Page,
  PhaseState, Quota, RequestRecord, RequestState, Runnable, StateStore, StoredError, TaskState,
} from './state-store.js';

/**
 * An engine's quicker ways to do what the generic code does, for calls outside a caller's
 * transaction; each must behave exactly as the generic code (the conformance suite runs
 * every engine).
 */
export interface EngineShortcuts {
  /** writes a batch of completions when it can (undefined: it cannot, the generic path does) */
  complete?: (items: readonly queue.Done[], now: number) => Promise<boolean[] | undefined>;
  /** the lease's pick of one request's tasks */
  pick?: LeaseRun['pick'];
}

/** what a store keeps between calls to lease well, shared with the stores of its transactions; hints only */
interface LeaseHints {
  cursors: queue.LeaseCursors;
  runnable: RunnableRequests;
}

function newHints(): LeaseHints {
  return { cursors: new queue.LeaseCursors(), runnable: new RunnableRequests() };
}

/** the connection of a store handed to a tx() callback */
function dbOf(s: StateStore): Kysely<Database> {
  return (s as SqlStateStore).connection;
}

export class SqlStateStore implements StateStore {
  constructor(
    private readonly db: Kysely<Database>, readonly flavor: Flavor, private readonly onClose: () => Promise<void>,
    private readonly shortcuts: EngineShortcuts = {}, private readonly inTx = false, private readonly hints: LeaseHints = newHints(),
  ) {}

  // a group of completions need not wait for its WAL flush either (see lease): if PostgreSQL
  // crashes and forgets it, its tasks run again, as tasks in flight at a coordinator's kill
  // do, and a later flushed commit (a request's end) flushes every earlier one with it
  private readonly completions = new queue.CompletionGroups(async (items, now) => {
    const quick = await this.shortcuts.complete?.(items, now);
    return quick ?? this.tx((s) => queue.completeBatch(dbOf(s), items, now, { cursors: this.hints.cursors, asyncCommit: this.flavor === 'postgres' }));
  });

  /** set inside a transaction that changed a request's state: its commit drops the runnable list */
  private changedRequests = false;

  get connection(): Kysely<Database> {
    return this.db;
  }

  async tx<T>(fn: (s: StateStore) => Promise<T>): Promise<T> {
    if (this.inTx) return fn(this);
    let inner: SqlStateStore | undefined;
    const out = await this.db.transaction().execute((trx: Transaction<Database>) => {
      inner = new SqlStateStore(trx, this.flavor, this.onClose, {}, true, this.hints);
      return fn(inner);
    });
    if (inner?.changedRequests) this.hints.runnable.forget();
    return out;
  }

  private requestsChanged(): void {
    this.hints.runnable.forget();
    this.changedRequests = true;
  }

  async createRequest(r: NewRequest, now: number): Promise<boolean> {
    if (r.files !== undefined) {
      const files = r.files;
      return this.tx(async (s) => {
        const made = await (s as SqlStateStore).createRequest({ ...r, files: undefined }, now);
        if (made) await requests.insertRequestFiles(dbOf(s), r.id, files);
        return made;
      });
    }
    return requests.insertRequest(this.db, r, now);
  }

  requestFiles(id: string): Promise<string | undefined> { return requests.requestFiles(this.db, id); }
  getRequest(id: string): Promise<RequestRecord | undefined> { return requests.getRequest(this.db, id); }
  lockRequest(id: string): Promise<RequestRecord | undefined> { return requests.lockRequest(this.db, this.flavor, id); }
  listRequests(q: { states?: readonly RequestState[]; text?: string; limit: number; offset: number }): Promise<Page<RequestRecord>> { return requests.listRequests(this.db, q); }
  requestsIn(states: readonly RequestState[]): Promise<RequestRecord[]> { return requests.requestsIn(this.db, states); }

  async setRequestState(id: string, from: readonly RequestState[], to: RequestState, now: number, extra: { phase?: number; message?: string | null; pausedFrom?: RequestState | null } = {}): Promise<boolean> {
    const changed = await requests.setRequestState(this.db, id, from, to, now, extra);
    if (changed) this.requestsChanged();
    return changed;
  }

  async setRequestPriority(id: string, from: readonly RequestState[], priority: number, now: number): Promise<boolean> {
    const changed = await requests.setRequestPriority(this.db, id, from, priority, now);
    if (changed) this.requestsChanged();
    return changed;
  }

  addCounters(id: string, delta: Partial<Counters>, now: number): Promise<void> {
    return queue.addCounters(this.db, id, delta, now);
  }

  resetRequest(id: string, now: number): Promise<void> {
    this.requestsChanged();
    return this.tx((s) => requests.resetRequest(dbOf(s), id, now));
  }

  enqueue(requestId: string, tasks: readonly NewTask[], now: number): Promise<void> {
    return this.tx((s) => queue.enqueue(dbOf(s), requestId, tasks, now));
  }

  runnableRequests(): Promise<Runnable[]> {
    // inside a transaction the list is read afresh: the transaction may itself have changed it
    if (this.inTx) return queue.readRunnable(this.db);
    return this.hints.runnable.get(() => queue.readRunnable(this.db));
  }

  leaseWithin(agentId: string, quotas: readonly Quota[], o: LeaseLimits, now: number): Promise<LeasedTask[]> {
    // a lease need not wait for its WAL flush: if PostgreSQL itself crashes and forgets it,
    // the task is simply leased again, and only the holder of a lease may complete it.
    // Inside a caller's transaction the caller's commit decides.
    const asyncCommit = this.flavor === 'postgres' && !this.inTx;
    const base = { asyncCommit, cursors: this.hints.cursors };
    const run: queue.LeaseRun = this.inTx ? base : { ...base, pick: this.shortcuts.pick };
    return queue.leaseWithin(this.db, this.flavor, agentId, quotas, o, now, run);
  }

  async complete(agentId: string, taskId: number, c: Completion, now: number): Promise<boolean> {
    const [ok] = await this.completeMany(agentId, [{ taskId, completion: c }], now);
    return ok ?? false;
  }

  completeMany(agentId: string, done: readonly { taskId: number; completion: Completion }[], now: number): Promise<boolean[]> {
    if (done.length === 0) return Promise.resolve([]);
    const items = done.map((d) => ({ agentId, ...d }));
    if (this.inTx) return queue.completeBatch(this.db, items, now, { cursors: this.hints.cursors, asyncCommit: false });
    return this.completions.add(items, now);
  }

  extendLeases(agentId: string, leaseMs: number, now: number, only?: readonly number[]): Promise<number> {
    return leases.extendLeases(this.db, agentId, leaseMs, now, only);
  }

  async reapExpired(now: number): Promise<number> {
    const n = await queue.reapExpired(this.db, now);
    if (n > 0) this.hints.cursors.forget();
    return n;
  }

  async releaseLeases(agentId: string): Promise<number> {
    const n = await leases.releaseLeases(this.db, agentId);
    if (n > 0) this.hints.cursors.forget();
    return n;
  }

  phaseState(requestId: string, phase: number): Promise<PhaseState> {
    return queue.phaseState(this.db, requestId, phase);
  }

  openTasks(requestId: string, phase: number): Promise<number> {
    return queue.openTasks(this.db, requestId, phase);
  }

  queuedPayloads(requestId: string, phase: number): Promise<{ id: number; kind: string; payload: string }[]> { return phaseTasks.queuedPayloads(this.db, requestId, phase); }
  groupHeads(requestId: string, kind: string): Promise<string[]> { return phaseTasks.groupHeads(this.db, requestId, kind); }
  cancelTasks(requestId: string, o: { phase?: number; leased?: boolean }, now: number): Promise<number> { return phaseTasks.cancelTasks(this.db, requestId, o, now); }
  takeDirMeta(requestId: string, depth: number): Promise<DirMetaEntry[]> { return this.tx((s) => phaseTasks.takeDirMeta(dbOf(s), requestId, depth)); }
  openCount(requestId: string, kinds: readonly string[]): Promise<number> { return phaseTasks.openCount(this.db, requestId, kinds); }
  phaseResults(requestId: string, phase: number): Promise<string[]> { return phaseTasks.phaseResults(this.db, requestId, phase); }
  leasedTasks(requestId: string): Promise<{ id: number; agent: string }[]> { return leases.leasedTasks(this.db, requestId); }

  heldTasks(requestId: string, afterId: number): Promise<HeldTask[]> { return staging.heldTasks(this.db, requestId, afterId); }

  startHeld(requestId: string, ids: readonly number[], tasks: readonly NewTask[], now: number): Promise<number[] | undefined> {
    return this.heldChange(() => this.tx((s) => staging.startHeld(dbOf(s), requestId, ids, tasks, now)));
  }

  async failHeld(requestId: string, ids: readonly number[], errors: readonly FileError[], now: number): Promise<boolean> {
    return (await this.heldChange(() => this.tx((s) => staging.failHeld(dbOf(s), requestId, ids, errors, now)))) !== undefined;
  }

  /** undefined when a held task was taken meanwhile: the transaction rolled back (outside one) */
  private async heldChange<T>(fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof staging.NotHeld && !this.inTx) return undefined;
      throw e;
    }
  }

  openTaskIds(ids: readonly number[]): Promise<number[]> { return staging.openTaskIds(this.db, ids); }
  manifestHas(requestId: string, paths: readonly string[]): Promise<string[]> { return staging.manifestHas(this.db, requestId, paths); }

  addErrors(requestId: string, errors: readonly FileError[], now: number): Promise<void> { return results.addErrors(this.db, requestId, errors, now); }
  listErrors(requestId: string, limit: number, offset: number): Promise<Page<StoredError>> { return results.listErrors(this.db, requestId, limit, offset); }
  listManifest(requestId: string, limit: number, offset: number): Promise<Page<ManifestEntry>> { return results.listManifest(this.db, requestId, limit, offset); }

  addAudit(requestId: string, e: AuditEntry): Promise<void> {
    return audit.addAudit(this.db, requestId, e);
  }

  listAudit(requestId: string, limit: number, offset: number): Promise<Page<AuditEntry>> {
    return audit.listAudit(this.db, requestId, limit, offset);
  }

  addInboxKey(e: InboxKeyEntry, now: number): Promise<boolean> { return inbox.addInboxKey(this.db, e, now); }
  inboxKey(key: string): Promise<InboxKeyEntry | undefined> { return inbox.inboxKey(this.db, key); }
  inboxKeysOf(requestId: string): Promise<InboxKeyEntry[]> { return inbox.inboxKeysOf(this.db, requestId); }
  listInboxKeys(): Promise<(InboxKeyEntry & { state: RequestState })[]> { return inbox.listInboxKeys(this.db); }

  upsertAgent(a: AgentRecord): Promise<void> { return agents.upsertAgent(this.db, a); }
  claimAgent(a: AgentRecord, secretHash: string, staleBefore: number): Promise<boolean> { return agents.claimAgent(this.db, a, secretHash, staleBefore); }
  agentIdentity(agentId: string): Promise<AgentIdentity | undefined> { return agents.agentIdentity(this.db, agentId); }
  heartbeat(agentId: string, running: number, now: number): Promise<void> { return agents.heartbeat(this.db, agentId, running, now); }
  listAgents(): Promise<AgentRecord[]> { return agents.listAgents(this.db); }
  heldTask(agentId: string, taskId: number): Promise<LeasedTask | undefined> { return leases.heldTask(this.db, agentId, taskId); }

  async settingOrInit(key: string, value: string): Promise<string> {
    await this.db.insertInto('settings').values({ key, value }).onConflict((oc) => oc.column('key').doNothing()).execute();
    const row = await this.db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirstOrThrow();
    return row.value;
  }

  removeAgent(agentId: string): Promise<void> { return agents.removeAgent(this.db, agentId); }

  pruneAgents(seenBefore: number): Promise<string[]> {
    return audit.pruneAgents(this.db, seenBefore);
  }

  taskCounts(): Promise<{ state: TaskState; kind: string; n: number }[]> { return counts.taskCounts(this.db); }
  requestCounts(): Promise<{ state: RequestState; n: number }[]> { return counts.requestCounts(this.db); }
  errorCounts(): Promise<{ code: string; n: number }[]> { return counts.errorCounts(this.db); }
  queueDepth(): Promise<number> { return counts.queueDepth(this.db); }

  async ping(): Promise<void> {
    await this.db.selectFrom('requests').select('id').limit(1).execute();
  }

  close(): Promise<void> {
    return this.onClose();
  }
}
