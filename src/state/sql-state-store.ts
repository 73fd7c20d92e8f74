// The StateStore over kysely: the same queries for SQLite, in-memory SQLite and
// PostgreSQL; the few differences ask `flavor`.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Counters } from '../core/counters.js';
import { zeroCounterColumns } from './counter-columns.js';
import { RUNNING_STATES } from '../core/request-states.js';
import { fromStoredText, toStoredText } from '../core/name-bytes.js';
import type { Flavor } from './flavor.js';
import type { Database } from './schema.js';
import { RunnableRequests } from './runnable-requests.js';
import * as queue from './sql-task-queue.js';
import * as audit from './sql-request-audit.js';
import * as inbox from './sql-inbox-keys.js';
import * as staging from './sql-staging.js';
import { agentRow, requestOf } from './row-records.js';
import type { LeaseRun } from './sql-task-queue.js';
import type {
  AgentRecord, AuditEntry, Completion, DirMetaEntry, FileError, HeldTask, InboxKeyEntry, LeasedTask, LeaseLimits, ManifestEntry, NewRequest, NewTask, Page,
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

/** task ids per statement when a heartbeat names the tasks it holds */
const EXTEND_PART = 1000;
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
        if (made) await (s as SqlStateStore).db.insertInto('request_files').values({ request_id: r.id, files }).execute();
        return made;
      });
    }
    const res = await this.db.insertInto('requests').values({
      id: r.id, state: 'queued', phase: 0, priority: r.priority, source: r.source, destination: r.destination,
      src_endpoint: r.srcEndpoint, dst_endpoint: r.dstEndpoint, spec: r.spec, message: null, paused_from: null,
      created_at: now, started_at: null, finished_at: null, updated_at: now,
      ...zeroCounterColumns(),
    }).onConflict((oc) => oc.column('id').doNothing()).executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async requestFiles(id: string): Promise<string | undefined> {
    const r = await this.db.selectFrom('request_files').select('files').where('request_id', '=', id).executeTakeFirst();
    return r?.files;
  }

  async getRequest(id: string): Promise<RequestRecord | undefined> {
    const r = await this.db.selectFrom('requests').selectAll().select(audit.submittedBy).where('id', '=', id).executeTakeFirst();
    return r && requestOf(r);
  }

  async lockRequest(id: string): Promise<RequestRecord | undefined> {
    let q = this.db.selectFrom('requests').selectAll().select(audit.submittedBy).where('id', '=', id);
    if (this.flavor === 'postgres') q = q.forUpdate();
    const r = await q.executeTakeFirst();
    return r && requestOf(r);
  }

  async listRequests(q: { states?: readonly RequestState[]; text?: string; limit: number; offset: number }): Promise<Page<RequestRecord>> {
    let base = this.db.selectFrom('requests');
    if (q.states && q.states.length > 0) base = base.where('state', 'in', [...q.states]);
    if (q.text !== undefined && q.text !== '') {
      // the text is matched as it is: LIKE's own % and _ (and the escape character) are escaped
      const like = `%${q.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const holds = (c: 'id' | 'source' | 'destination') => sql<boolean>`${sql.ref(c)} like ${like} escape '\\'`;
      base = base.where(sql<boolean>`(${holds('id')} or ${holds('source')} or ${holds('destination')})`);
    }
    const rows = await base.selectAll().select(audit.submittedBy).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(q.limit).offset(q.offset).execute();
    const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return { items: rows.map(requestOf), total: Number(total.n) };
  }

  async requestsIn(states: readonly RequestState[]): Promise<RequestRecord[]> {
    const rows = await this.db.selectFrom('requests').selectAll().select(audit.submittedBy).where('state', 'in', [...states]).orderBy('created_at').execute();
    return rows.map(requestOf);
  }

  async setRequestState(id: string, from: readonly RequestState[], to: RequestState, now: number, extra: { phase?: number; message?: string | null; pausedFrom?: RequestState | null } = {}): Promise<boolean> {
    const terminal = to === 'succeeded' || to === 'failed' || to === 'canceled';
    const r = await this.db.updateTable('requests').set((eb) => ({
      state: to, updated_at: now,
      ...(extra.phase !== undefined ? { phase: extra.phase } : {}),
      ...(extra.message !== undefined ? { message: extra.message } : {}),
      ...(extra.pausedFrom !== undefined ? { paused_from: extra.pausedFrom } : {}),
      ...(to === 'running' || to === 'staging' ? { started_at: eb.fn.coalesce('started_at', eb.val(now)) } : {}),
      ...(terminal ? { finished_at: now } : {}),
    })).where('id', '=', id).where('state', 'in', [...from]).executeTakeFirst();
    if (Number(r.numUpdatedRows) === 1) this.requestsChanged();
    return Number(r.numUpdatedRows) === 1;
  }

  async setRequestPriority(id: string, from: readonly RequestState[], priority: number, now: number): Promise<boolean> {
    const r = await this.db.updateTable('requests').set({ priority, updated_at: now }).where('id', '=', id).where('state', 'in', [...from]).executeTakeFirst();
    if (Number(r.numUpdatedRows) === 1) this.requestsChanged();
    return Number(r.numUpdatedRows) === 1;
  }

  addCounters(id: string, delta: Partial<Counters>, now: number): Promise<void> {
    return queue.addCounters(this.db, id, delta, now);
  }

  resetRequest(id: string, now: number): Promise<void> {
    this.requestsChanged();
    return this.tx(async (s) => {
      const db = dbOf(s);
      for (const table of ['tasks', 'errors', 'manifest', 'dir_meta'] as const) await db.deleteFrom(table).where('request_id', '=', id).execute();
      await db.updateTable('requests').set({
        state: 'queued', phase: 0, message: null, paused_from: null, started_at: null, finished_at: null, updated_at: now,
        ...zeroCounterColumns(),
      }).where('id', '=', id).execute();
    });
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

  // `lease_expires is not null` (true of every leased task) lets the partial index tasks_leases answer
  async extendLeases(agentId: string, leaseMs: number, now: number, only?: readonly number[]): Promise<number> {
    if (only?.length === 0) return 0;
    let n = 0;
    // in parts: one statement's parameters are bounded (SQLite: 32,766)
    for (let i = 0; i < (only?.length ?? 1); i += EXTEND_PART) {
      let q = this.db.updateTable('tasks').set({ lease_expires: now + leaseMs }).where('state', '=', 'leased').where('lease_agent', '=', agentId)
        .where('lease_expires', 'is not', null);
      if (only) q = q.where('id', 'in', only.slice(i, i + EXTEND_PART));
      n += Number((await q.executeTakeFirst()).numUpdatedRows);
    }
    return n;
  }

  async reapExpired(now: number): Promise<number> {
    const n = await queue.reapExpired(this.db, now);
    if (n > 0) this.hints.cursors.forget();
    return n;
  }

  async releaseLeases(agentId: string): Promise<number> {
    const r = await this.db.updateTable('tasks').set({ state: 'queued', lease_agent: null, lease_expires: null })
      .where('state', '=', 'leased').where('lease_agent', '=', agentId).where('lease_expires', 'is not', null).executeTakeFirst();
    if (Number(r.numUpdatedRows) > 0) this.hints.cursors.forget();
    return Number(r.numUpdatedRows);
  }

  phaseState(requestId: string, phase: number): Promise<PhaseState> {
    return queue.phaseState(this.db, requestId, phase);
  }

  openTasks(requestId: string, phase: number): Promise<number> {
    return queue.openTasks(this.db, requestId, phase);
  }

  async queuedPayloads(requestId: string, phase: number): Promise<{ id: number; kind: string; payload: string }[]> {
    const rows = await this.db.selectFrom('tasks').select(['id', 'kind', 'payload']).where('request_id', '=', requestId)
      .where('phase', '=', phase).where('state', '=', 'queued').orderBy('id').execute();
    return rows.map((r) => ({ id: Number(r.id), kind: r.kind, payload: r.payload }));
  }

  async groupHeads(requestId: string, kind: string): Promise<string[]> {
    const heads = this.db.selectFrom('tasks').select((eb) => eb.fn.min<number>('id').as('id'))
      .where('request_id', '=', requestId).where('kind', '=', kind).where('group_key', 'is not', null).groupBy('group_key');
    const rows = await this.db.selectFrom('tasks').select('payload').where('id', 'in', heads).orderBy('id').execute();
    return rows.map((r) => r.payload);
  }

  async cancelTasks(requestId: string, o: { phase?: number; leased?: boolean }, now: number): Promise<number> {
    let q = this.db.updateTable('tasks').set({ state: 'canceled', finished_at: now, lease_agent: null, lease_expires: null })
      .where('request_id', '=', requestId).where('state', 'in', o.leased ? ['queued', 'leased'] : ['queued']);
    if (o.phase !== undefined) q = q.where('phase', '=', o.phase);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  takeDirMeta(requestId: string, depth: number): Promise<DirMetaEntry[]> {
    return this.tx(async (s) => {
      const db = dbOf(s);
      const rows = await db.selectFrom('dir_meta').select(['path', 'depth', 'payload']).where('request_id', '=', requestId).where('depth', '=', depth).orderBy('path').execute();
      await db.deleteFrom('dir_meta').where('request_id', '=', requestId).where('depth', '=', depth).execute();
      return rows.map((r) => ({ path: fromStoredText(r.path), depth: r.depth, payload: r.payload }));
    });
  }

  async openCount(requestId: string, kinds: readonly string[]): Promise<number> {
    const r = await this.db.selectFrom('tasks').select((eb) => eb.fn.countAll<number>().as('n')).where('request_id', '=', requestId)
      .where('kind', 'in', [...kinds]).where('state', 'in', ['queued', 'leased']).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async phaseResults(requestId: string, phase: number): Promise<string[]> {
    const rows = await this.db.selectFrom('tasks').select('result').where('request_id', '=', requestId).where('phase', '=', phase)
      .where('state', '=', 'done').execute();
    return rows.map((r) => r.result ?? '');
  }

  async queueDepth(): Promise<number> {
    const r = await this.db.selectFrom('tasks as t').innerJoin('requests as r', 'r.id', 't.request_id')
      .select((eb) => eb.fn.countAll<number>().as('n')).where('t.state', '=', 'queued').where('r.state', 'in', RUNNING_STATES)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async leasedTasks(requestId: string): Promise<{ id: number; agent: string }[]> {
    const rows = await this.db.selectFrom('tasks').select(['id', 'lease_agent']).where('request_id', '=', requestId).where('state', '=', 'leased').execute();
    return rows.map((r) => ({ id: Number(r.id), agent: r.lease_agent ?? '' }));
  }

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

  async addErrors(requestId: string, errors: readonly FileError[], now: number): Promise<void> {
    if (errors.length === 0) return;
    await this.db.insertInto('errors').values(errors.map((e) => ({ request_id: requestId, path: toStoredText(e.path), code: e.code, message: toStoredText(e.message), at: now }))).execute();
  }

  async listErrors(requestId: string, limit: number, offset: number): Promise<Page<StoredError>> {
    const base = this.db.selectFrom('errors').where('request_id', '=', requestId);
    const rows = await base.select(['path', 'code', 'message', 'at']).orderBy('id').limit(limit).offset(offset).execute();
    const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return { items: rows.map((r) => ({ path: fromStoredText(r.path), code: r.code, message: fromStoredText(r.message), at: Number(r.at) })), total: Number(total.n) };
  }

  async listManifest(requestId: string, limit: number, offset: number): Promise<Page<ManifestEntry>> {
    const base = this.db.selectFrom('manifest').where('request_id', '=', requestId);
    const rows = await base.select(['path', 'size', 'mtime_ns', 'hash']).orderBy('path').limit(limit).offset(offset).execute();
    const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return { items: rows.map((r) => ({ path: fromStoredText(r.path), size: Number(r.size), mtimeNs: r.mtime_ns, hash: r.hash })), total: Number(total.n) };
  }

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

  async upsertAgent(a: AgentRecord): Promise<void> {
    const row = agentRow(a, null);
    await this.db.insertInto('agents').values(row).onConflict((oc) => oc.column('id').doUpdateSet(row)).execute();
  }

  async claimAgent(a: AgentRecord, secretHash: string, staleBefore: number): Promise<boolean> {
    const row = agentRow(a, secretHash);
    // the check and the write are one statement, so two claims cannot both see the name free;
    // RETURNING names a row only when it was inserted or updated
    const took = await this.db.insertInto('agents').values(row)
      .onConflict((oc) => oc.column('id').doUpdateSet(row).where('agents.last_seen', '<', staleBefore))
      .returning('id').executeTakeFirst();
    return took !== undefined;
  }

  async agentSecretHash(agentId: string): Promise<string | null | undefined> {
    const r = await this.db.selectFrom('agents').select('secret_hash').where('id', '=', agentId).executeTakeFirst();
    return r?.secret_hash;
  }

  async heartbeat(agentId: string, running: number, now: number): Promise<void> {
    await this.db.updateTable('agents').set({ last_seen: now, running }).where('id', '=', agentId).execute();
  }

  async listAgents(): Promise<AgentRecord[]> {
    const rows = await this.db.selectFrom('agents').selectAll().orderBy('name').execute();
    return rows.map((r) => ({
      id: r.id, name: r.name, site: r.site, endpoints: JSON.parse(r.endpoints) as string[], slots: r.slots, running: r.running,
      coordinator: r.coordinator, startedAt: Number(r.started_at), lastSeen: Number(r.last_seen),
      ...(r.data_address === null ? {} : { dataAddress: r.data_address }),
      ...(r.data_tls === 1 ? { dataTls: true } : {}),
    }));
  }

  async heldTask(agentId: string, taskId: number): Promise<LeasedTask | undefined> {
    const t = await this.db.selectFrom('tasks').selectAll().where('id', '=', taskId).where('lease_agent', '=', agentId)
      .where('state', '=', 'leased').executeTakeFirst();
    if (!t) return undefined;
    return {
      id: Number(t.id), requestId: t.request_id, kind: t.kind, phase: t.phase, payload: t.payload, items: Number(t.items),
      bytes: Number(t.bytes), groupKey: t.group_key, attempts: t.attempts, leaseExpires: Number(t.lease_expires),
    };
  }

  async settingOrInit(key: string, value: string): Promise<string> {
    await this.db.insertInto('settings').values({ key, value }).onConflict((oc) => oc.column('key').doNothing()).execute();
    const row = await this.db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirstOrThrow();
    return row.value;
  }

  async removeAgent(agentId: string): Promise<void> {
    await this.db.deleteFrom('agents').where('id', '=', agentId).execute();
  }

  pruneAgents(seenBefore: number): Promise<string[]> {
    return audit.pruneAgents(this.db, seenBefore);
  }

  async taskCounts(): Promise<{ state: TaskState; kind: string; n: number }[]> {
    const rows = await this.db.selectFrom('tasks').select(['state', 'kind', (eb) => eb.fn.countAll<number>().as('n')]).groupBy(['state', 'kind']).execute();
    return rows.map((r) => ({ state: r.state as TaskState, kind: r.kind, n: Number(r.n) }));
  }

  async requestCounts(): Promise<{ state: RequestState; n: number }[]> {
    const rows = await this.db.selectFrom('requests').select(['state', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('state').execute();
    return rows.map((r) => ({ state: r.state as RequestState, n: Number(r.n) }));
  }

  async errorCounts(): Promise<{ code: string; n: number }[]> {
    const rows = await this.db.selectFrom('errors').select(['code', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('code').execute();
    return rows.map((r) => ({ code: r.code, n: Number(r.n) }));
  }

  async ping(): Promise<void> {
    await this.db.selectFrom('requests').select('id').limit(1).execute();
  }

  close(): Promise<void> {
    return this.onClose();
  }
}
