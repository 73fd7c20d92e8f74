// The task queue as SQL: enqueue, lease (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite
// has one writer), complete with everything the task changed, and lease expiry.
import { sql, type Kysely } from 'kysely';
import type { Counters } from '../core/counters.js';
import { CLEANUP_PHASE, RUNNING_STATES } from '../core/request-states.js';
import { toStoredText } from '../core/name-bytes.js';
import { counterDelta } from './counter-columns.js';
import type { Flavor } from './flavor.js';
import type { Database } from './schema.js';
import type { Completion, LeasedTask, LeaseLimits, NewTask, Quota, Runnable } from './state-store.js';

type Db = Kysely<Database>;

/** rows per INSERT: well under SQLite's and PostgreSQL's limits on bound values */
const INSERT_ROWS = 200;

function* slices<T>(items: readonly T[], n: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += n) yield items.slice(i, i + n);
}

export async function enqueue(db: Db, requestId: string, tasks: readonly NewTask[], now: number): Promise<void> {
  for (const part of slices(tasks, INSERT_ROWS)) {
    await db.insertInto('tasks').values(part.map((t) => ({
      request_id: requestId, kind: t.kind, phase: t.phase, payload: t.payload, items: t.items, bytes: t.bytes,
      state: 'queued', attempts: 0, not_before: t.notBefore ?? 0, lease_agent: null, lease_expires: null,
      group_key: t.groupKey ?? null, result: null, created_at: now, finished_at: null,
    }))).execute();
  }
}

/** the least time between two scans of a request's queue from its first task */
const RESCAN_MS = 1000;
/** and at most this share of the time: with stale statistics such a scan walks every task done */
const RESCAN_SHARE = 0.05;
/** a bound on the cursors kept, not a cache policy: a lost cursor costs one scan from the start */
const MAX_CURSORS = 1000;

interface Cursor { phase: number; from: number; rescanAt: number }

/**
 * Where each request's next lease starts looking: the lowest id the last one took. Finished
 * tasks stay in `tasks` at the low ids where a FIFO pick starts, and until vacuum their old
 * index entries stay too, so a pick from the first task walks every task done so far (with
 * statistics from when all were queued, PostgreSQL walks the primary key and filters: 10 ms
 * at 25,000 done). `id >= from` makes every plan the planner may choose start at the head.
 * A task put back below a cursor by this store (retry, expiry, release) drops the cursor;
 * one put back elsewhere (another coordinator, a transaction that committed after a later
 * one) waits for the next scan from the first task, due every RESCAN_MS or so. Only a hint:
 * several coordinators each keep their own, and SKIP LOCKED still decides who gets a task.
 */
export class LeaseCursors {
  private readonly byRequest = new Map<string, Cursor>();

  constructor(private readonly clock: () => number = () => performance.now()) {}

  now(): number {
    return this.clock();
  }

  /** where to start, or undefined when a scan from the first task is due */
  from(requestId: string, phase: number): number | undefined {
    const c = this.byRequest.get(requestId);
    return c && c.phase === phase && this.clock() < c.rescanAt ? c.from : undefined;
  }

  /** after a pick that took `lowest` first; `rescanMs`: it scanned from the first task, taking that long */
  moved(requestId: string, phase: number, lowest: number | undefined, rescanMs?: number): void {
    const c = this.byRequest.get(requestId);
    const same = c !== undefined && c.phase === phase;
    if (!same && this.byRequest.size >= MAX_CURSORS) this.byRequest.clear();
    const rescanAt = rescanMs !== undefined || !same ? this.clock() + Math.max(RESCAN_MS, (rescanMs ?? 0) / RESCAN_SHARE) : c.rescanAt;
    this.byRequest.set(requestId, { phase, from: lowest ?? (same ? c.from : 0), rescanAt });
  }

  /** tasks of this request (or of any) went back to the queue */
  forget(requestId?: string): void {
    if (requestId === undefined) this.byRequest.clear();
    else this.byRequest.delete(requestId);
  }
}

export interface LeaseRun {
  /** PostgreSQL: each pick commits without waiting for its WAL flush */
  asyncCommit: boolean;
  cursors: LeaseCursors;
  /** an engine's own pick (a prepared statement), used instead of the one built here */
  pick?: (agentId: string, p: Pick) => Promise<LeasedTask[]>;
}

/** every request a lease may take tasks from (running, or canceled and cleaning up), in the order leases serve them */
export async function readRunnable(db: Db): Promise<Runnable[]> {
  const rows = await db.selectFrom('requests').select(['id', 'phase', 'priority', 'src_endpoint', 'dst_endpoint'])
    .where((eb) => eb.or([eb('state', 'in', RUNNING_STATES), eb.and([eb('state', '=', 'canceled'), eb('phase', '=', CLEANUP_PHASE),
      // once its cleanup is done a canceled request leaves the list
      eb.exists(eb.selectFrom('tasks').select('tasks.id').whereRef('tasks.request_id', '=', 'requests.id').where('tasks.phase', '=', CLEANUP_PHASE)
        .where('tasks.state', 'in', ['queued', 'leased']))])]))
    .orderBy('priority', 'desc').orderBy('created_at').orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, phase: r.phase, priority: r.priority, srcEndpoint: r.src_endpoint, dstEndpoint: r.dst_endpoint }));
}

/** one pick: up to `want` queued tasks of a request at `phase`, from id `from` on */
export interface Pick { requestId: string; phase: number; from: number; want: number; now: number; expires: number; maxBytes: number }

/** Pick.maxBytes when any size will do */
export const ANY_SIZE = Number.MAX_SAFE_INTEGER;

/** leases up to `want` queued tasks of the request from id `from` on, lowest first, in one statement */
async function pickFrom(db: Db, flavor: Flavor, agentId: string, p: Pick, run: LeaseRun): Promise<LeasedTask[]> {
  if (run.pick) return run.pick(agentId, p);
  let pick = db.selectFrom('tasks').select('id')
    .where('state', '=', 'queued').where('request_id', '=', p.requestId).where('phase', '=', p.phase).where('not_before', '<=', p.now)
    .where('id', '>=', p.from).where('bytes', '<=', p.maxBytes)
    // the request is still running at this phase (the list of runnable requests may be stale)
    .where((eb) => eb.exists(eb.selectFrom('requests').select('requests.id').where('requests.id', '=', p.requestId)
      .where((r) => r.or([r('requests.state', 'in', RUNNING_STATES), r.and([r('requests.state', '=', 'canceled'), r('requests.phase', '=', CLEANUP_PHASE)])]))
      .where('requests.phase', '=', p.phase)))
    .orderBy('id').limit(p.want);
  if (flavor === 'postgres') pick = pick.forUpdate().skipLocked();
  // set_config in the statement, not SET LOCAL in a transaction around it: one round trip
  // instead of four, and it is evaluated before the statement's own commit
  const commitMode = run.asyncCommit ? sql<string>`set_config('synchronous_commit', 'off', true)` : sql<string>`''`;
  // a CTE, not `id IN (subquery)`: PostgreSQL may run such a subquery again per row and
  // so take more than LIMIT rows (seen: capacity 1 leased 2)
  const rows = await db.with('picked', () => pick).updateTable('tasks')
    .from('picked')
    .set((eb) => ({ state: 'leased', lease_agent: agentId, lease_expires: p.expires, attempts: eb('tasks.attempts', '+', 1) }))
    .whereRef('tasks.id', '=', 'picked.id')
    .returning(['tasks.id', 'tasks.request_id', 'tasks.kind', 'tasks.phase', 'tasks.payload', 'tasks.items', 'tasks.bytes', 'tasks.group_key', 'tasks.attempts', commitMode.as('commit_mode')])
    .execute();
  return rows.map((t) => ({
    id: Number(t.id), requestId: t.request_id, kind: t.kind, phase: t.phase, payload: t.payload, items: Number(t.items),
    bytes: Number(t.bytes), groupKey: t.group_key, attempts: t.attempts, leaseExpires: p.expires,
  })).sort((a, b) => a.id - b.id);
}

/** one request's quota, from its cursor, or from its first task when that is due */
async function leaseFromRequest(db: Db, flavor: Flavor, agentId: string, p: Omit<Pick, 'from'>, run: LeaseRun): Promise<LeasedTask[]> {
  const from = run.cursors.from(p.requestId, p.phase);
  const t0 = run.cursors.now();
  const got = await pickFrom(db, flavor, agentId, { ...p, from: from ?? 0 }, run);
  // a pick of small tasks only passed over the large ones queued before what it took
  if (p.maxBytes === ANY_SIZE) run.cursors.moved(p.requestId, p.phase, got[0]?.id, from === undefined ? run.cursors.now() - t0 : undefined);
  return got;
}

/**
 * Leases within the quotas the caller computed, one pick per quota in the order given:
 * each request's queued tasks of its phase in id order, from the request's cursor (an
 * index range scan that starts at the queue's head). Who gets how many is the caller's
 * policy; this only picks, and stops at `limit` in all.
 */
export async function leaseWithin(db: Db, flavor: Flavor, agentId: string, quotas: readonly Quota[], o: LeaseLimits, now: number, run: LeaseRun): Promise<LeasedTask[]> {
  const expires = now + o.leaseMs;
  const limit = o.limit ?? Infinity;
  const out: LeasedTask[] = [];
  for (const q of quotas) {
    const want = Math.min(q.want, limit - out.length);
    if (want <= 0) continue;
    out.push(...await leaseFromRequest(db, flavor, agentId, { requestId: q.requestId, phase: q.phase, want, now, expires, maxBytes: o.maxTaskBytes ?? ANY_SIZE }, run));
  }
  return out.sort((a, b) => a.id - b.id);
}

export async function addCounters(db: Db, id: string, delta: Partial<Counters>, now: number): Promise<void> {
  const cols = counterDelta(delta);
  // always touched: the update takes the row lock that orders completions of one request
  await db.updateTable('requests').set((eb) => {
    const set: Record<string, unknown> = { updated_at: now };
    for (const [col, v] of cols) set[col] = eb(col, '+', v);
    return set;
  }).where('id', '=', id).execute();
}

export interface Done {
  agentId: string;
  taskId: number;
  completion: Completion;
}

function sum(into: Partial<Counters>, d: Partial<Counters> | undefined): void {
  for (const k of Object.keys(d ?? {}) as (keyof Counters)[]) into[k] = (into[k] ?? 0) + (d?.[k] ?? 0);
}

/** one update for the plainly done tasks of each agent */
async function markDone(db: Db, plain: readonly Done[], now: number): Promise<void> {
  const byAgent = new Map<string, number[]>();
  for (const d of plain) byAgent.set(d.agentId, [...(byAgent.get(d.agentId) ?? []), d.taskId]);
  for (const [agentId, ids] of byAgent) {
    const r = await db.updateTable('tasks').set({ state: 'done', lease_agent: null, lease_expires: null, finished_at: now })
      .where('id', 'in', ids).where('state', '=', 'leased').where('lease_agent', '=', agentId).executeTakeFirst();
    if (Number(r.numUpdatedRows) !== ids.length) throw new Error('tasks changed hands while being completed');
  }
}

/**
 * Applies finished tasks, inside the caller's transaction, in as few statements as the
 * batch allows: one counter update per request (taken first, in request order: that row
 * lock orders completions and phase changes the same way everywhere), one update for
 * all plainly done tasks of an agent, and bulk inserts. A task whose lease its agent lost
 * is dropped.
 */
export async function completeBatch(db: Db, done: readonly Done[], now: number, o: { cursors?: LeaseCursors; asyncCommit: boolean }): Promise<boolean[]> {
  const { cursors } = o;
  const out = new Array<boolean>(done.length).fill(false);
  if (done.length === 0) return out;
  // set_config in the first statement: SET LOCAL would be a round trip of its own
  const commitMode = o.asyncCommit ? sql<string>`set_config('synchronous_commit', 'off', true)` : sql<string>`''`;
  const rows = await db.selectFrom('tasks').select(['id', 'request_id', 'group_key', 'state', 'lease_agent', commitMode.as('commit_mode')])
    .where('id', 'in', done.map((d) => d.taskId)).execute();
  const byId = new Map(rows.map((r) => [Number(r.id), r]));
  const held = done.map((d, i) => ({ d, i, row: byId.get(d.taskId) }))
    .filter((x) => x.row !== undefined && x.row.state === 'leased' && x.row.lease_agent === x.d.agentId);
  const perRequest = new Map<string, Partial<Counters>>();
  for (const x of held) {
    const req = x.row?.request_id ?? '';
    const c = perRequest.get(req) ?? {};
    sum(c, x.d.completion.counters);
    perRequest.set(req, c);
  }
  for (const req of [...perRequest.keys()].sort()) await addCounters(db, req, perRequest.get(req) ?? {}, now);

  const plain = held.filter((x) => !x.d.completion.retry && !x.d.completion.failed && x.d.completion.result === undefined);
  await markDone(db, plain.map((x) => x.d), now);
  for (const x of held) {
    const c = x.d.completion;
    if (plain.includes(x)) continue;
    const r = await db.updateTable('tasks').set({
      state: c.retry ? 'queued' : c.failed ? 'failed' : 'done', lease_agent: null, lease_expires: null, result: c.result ?? null,
      finished_at: c.retry ? null : now,
      ...(c.retry ? { not_before: c.retry.notBefore, payload: c.retry.payload, items: c.retry.items, bytes: c.retry.bytes } : {}),
    }).where('id', '=', x.d.taskId).where('state', '=', 'leased').where('lease_agent', '=', x.d.agentId).executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw new Error(`task ${x.d.taskId} changed hands while being completed`);
    if (c.retry) cursors?.forget(x.row?.request_id);
  }

  const tasks: { req: string; t: NewTask }[] = [];
  const errors: { request_id: string; path: string; code: string; message: string; at: number }[] = [];
  const manifest: { request_id: string; path: string; size: number; mtime_ns: string; hash: string }[] = [];
  const dirMeta: { request_id: string; path: string; depth: number; payload: string }[] = [];
  for (const x of held) {
    const req = x.row?.request_id ?? '';
    const c = x.d.completion;
    for (const t of c.tasks ?? []) tasks.push({ req, t });
    for (const e of c.errors ?? []) errors.push({ request_id: req, path: toStoredText(e.path), code: e.code, message: toStoredText(e.message), at: now });
    for (const m of c.manifest ?? []) manifest.push({ request_id: req, path: toStoredText(m.path), size: m.size, mtime_ns: m.mtimeNs, hash: m.hash });
    for (const d of c.dirMeta ?? []) dirMeta.push({ request_id: req, path: toStoredText(d.path), depth: d.depth, payload: d.payload });
    out[x.i] = true;
  }
  const byReq = new Map<string, NewTask[]>();
  for (const { req, t } of tasks) byReq.set(req, [...(byReq.get(req) ?? []), t]);
  for (const [req, ts] of byReq) await enqueue(db, req, ts, now);
  for (const part of slices(errors, INSERT_ROWS)) await db.insertInto('errors').values(part).execute();
  for (const part of slices(manifest, INSERT_ROWS)) {
    await db.insertInto('manifest').values(part).onConflict((oc) => oc.columns(['request_id', 'path']).doUpdateSet((eb) => ({
      size: eb.ref('excluded.size'), mtime_ns: eb.ref('excluded.mtime_ns'), hash: eb.ref('excluded.hash'),
    }))).execute();
  }
  for (const part of slices(dirMeta, INSERT_ROWS)) {
    await db.insertInto('dir_meta').values(part).onConflict((oc) => oc.columns(['request_id', 'path']).doNothing()).execute();
  }
  // once per group: two of its last tasks in one batch (one agent's report, or a group of
  // completions) would each see the whole group done and each close it
  const closed = new Set<string>();
  for (const x of held) {
    const c = x.d.completion;
    const group = x.row?.group_key ?? null;
    const key = JSON.stringify([x.row?.request_id, group]);
    if (group === null || !c.closeGroup || c.retry || c.failed || closed.has(key)) continue;
    closed.add(key);
    await closeGroup(db, x.row?.request_id ?? '', group, c.closeGroup, now);
  }
  return out;
}

/** tasks in one group of completions: its transaction stays short */
const GROUP_TASKS = 1024;

interface Waiting {
  items: readonly Done[];
  now: number;
  settle: (r: Promise<boolean[]>) => void;
}

/**
 * Completions that arrive while one is being written wait, then go in one transaction
 * together: one set of round trips, one request row lock and one WAL flush for all of them,
 * where each waited for that row lock on its own (4 workers at capacity 1: 14 ms a
 * completion). One that arrives while none is being written goes at once. A group is
 * written at the latest `now` of its members. A group that fails is written again one
 * completion at a time, so one caller's failure stays its own.
 */
export class CompletionGroups {
  private waiting: Waiting[] = [];
  private writing = false;

  constructor(private readonly write: (items: readonly Done[], now: number) => Promise<boolean[]>) {}

  add(items: readonly Done[], now: number): Promise<boolean[]> {
    const out = new Promise<boolean[]>((resolve, reject) => {
      this.waiting.push({ items, now, settle: (r) => { r.then(resolve, reject); } });
    });
    if (!this.writing) void this.drain();
    return out;
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.waiting.length > 0) await this.writeGroup(this.nextGroup());
    } finally {
      this.writing = false;
    }
  }

  private nextGroup(): Waiting[] {
    let k = 0;
    let n = 0;
    for (const w of this.waiting) {
      if (k > 0 && n + w.items.length > GROUP_TASKS) break;
      n += w.items.length;
      k++;
    }
    return this.waiting.splice(0, k);
  }

  private async writeAlone(w: Waiting): Promise<void> {
    const r = this.write(w.items, w.now);
    w.settle(r);
    await r.catch(() => undefined);
  }

  private async writeGroup(group: readonly Waiting[]): Promise<void> {
    const [first] = group;
    if (first && group.length === 1) return this.writeAlone(first);
    let ok: boolean[];
    try {
      ok = await this.write(group.flatMap((w) => w.items), Math.max(...group.map((w) => w.now)));
    } catch {
      for (const w of group) await this.writeAlone(w);
      return;
    }
    let at = 0;
    for (const w of group) {
      w.settle(Promise.resolve(ok.slice(at, at + w.items.length)));
      at += w.items.length;
    }
  }
}

async function closeGroup(db: Db, requestId: string, group: string, make: (results: string[]) => NewTask | undefined, now: number): Promise<void> {
  const rows = await db.selectFrom('tasks').select(['state', 'result']).where('request_id', '=', requestId).where('group_key', '=', group).orderBy('id').execute();
  if (rows.some((r) => r.state !== 'done')) return;
  const next = make(rows.map((r) => r.result ?? ''));
  if (next) await enqueue(db, requestId, [next], now);
}

export async function reapExpired(db: Db, now: number): Promise<number> {
  const r = await db.updateTable('tasks').set({ state: 'queued', lease_agent: null, lease_expires: null })
    .where('state', '=', 'leased').where('lease_expires', '<', now).executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export async function openTasks(db: Db, requestId: string, phase: number): Promise<number> {
  const open = await db.selectFrom('tasks').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('request_id', '=', requestId).where('phase', '=', phase).where('state', 'in', ['queued', 'leased']).executeTakeFirstOrThrow();
  return Number(open.n);
}

export async function phaseState(db: Db, requestId: string, phase: number): Promise<{ open: number; nextPhase: number | undefined; dirMetaDepth: number | undefined }> {
  const open = await openTasks(db, requestId, phase);
  const next = await db.selectFrom('tasks').select((eb) => eb.fn.min<number>('phase').as('p'))
    .where('request_id', '=', requestId).where('phase', '>', phase).where('state', '=', 'queued').executeTakeFirst();
  const dm = await db.selectFrom('dir_meta').select((eb) => eb.fn.max<number>('depth').as('d')).where('request_id', '=', requestId).executeTakeFirst();
  return {
    open,
    nextPhase: next?.p === null || next?.p === undefined ? undefined : Number(next.p),
    dirMetaDepth: dm?.d === null || dm?.d === undefined ? undefined : Number(dm.d),
  };
}
