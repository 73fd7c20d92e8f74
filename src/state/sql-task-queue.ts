// The task queue as SQL: enqueue, lease (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite
// has one writer), complete with everything the task changed, and lease expiry.
import type { Kysely } from 'kysely';
import type { Counters } from '../core/counters.js';
import { counterDelta } from './counter-columns.js';
import type { Flavor } from './flavor.js';
import type { Database } from './schema.js';
import type { Completion, LeasedTask, LeaseOptions, NewTask } from './state-store.js';

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

/**
 * Requests first (few rows, by priority), then each one's queued tasks of its phase in id
 * order: the tasks_queue index answers that with a short range scan, where one query
 * joining and sorting every queued task cost 16 ms at 50,000 tasks.
 */
export async function lease(db: Db, flavor: Flavor, agentId: string, o: LeaseOptions, now: number): Promise<LeasedTask[]> {
  if (o.capacity <= 0) return [];
  let runnable = db.selectFrom('requests').select(['id', 'phase']).where('state', 'in', ['running', 'finalizing'])
    .orderBy('priority', 'desc').orderBy('created_at').orderBy('id');
  if (o.endpoints) {
    const eps = o.endpoints.length > 0 ? [...o.endpoints] : [''];
    runnable = runnable.where('src_endpoint', 'in', eps).where('dst_endpoint', 'in', eps);
  }
  const expires = now + o.leaseMs;
  const out: LeasedTask[] = [];
  for (const r of await runnable.execute()) {
    const want = o.capacity - out.length;
    if (want <= 0) break;
    let pick = db.selectFrom('tasks').select('id')
      .where('state', '=', 'queued').where('request_id', '=', r.id).where('phase', '=', r.phase).where('not_before', '<=', now)
      .orderBy('id').limit(want);
    if (flavor === 'postgres') pick = pick.forUpdate().skipLocked();
    // a CTE, not `id IN (subquery)`: PostgreSQL may run such a subquery again per row and
    // so take more than LIMIT rows (seen: capacity 1 leased 2)
    const rows = await db.with('picked', () => pick).updateTable('tasks')
      .from('picked')
      .set((eb) => ({ state: 'leased', lease_agent: agentId, lease_expires: expires, attempts: eb('tasks.attempts', '+', 1) }))
      .whereRef('tasks.id', '=', 'picked.id')
      .returning(['tasks.id', 'tasks.request_id', 'tasks.kind', 'tasks.phase', 'tasks.payload', 'tasks.items', 'tasks.bytes', 'tasks.group_key', 'tasks.attempts'])
      .execute();
    rows.sort((a, b) => a.id - b.id);
    for (const t of rows) {
      out.push({
        id: Number(t.id), requestId: t.request_id, kind: t.kind, phase: t.phase, payload: t.payload, items: Number(t.items),
        bytes: Number(t.bytes), groupKey: t.group_key, attempts: t.attempts, leaseExpires: expires,
      });
    }
  }
  return out;
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
  taskId: number;
  completion: Completion;
}

function sum(into: Partial<Counters>, d: Partial<Counters> | undefined): void {
  for (const k of Object.keys(d ?? {}) as (keyof Counters)[]) into[k] = (into[k] ?? 0) + (d?.[k] ?? 0);
}

/**
 * Applies finished tasks, inside the caller's transaction, in as few statements as the
 * batch allows: one counter update per request (taken first, in request order: that row
 * lock orders completions and phase changes the same way everywhere), one update for
 * all plainly done tasks, and bulk inserts. A task whose lease the agent lost is dropped.
 */
export async function completeBatch(db: Db, agentId: string, done: readonly Done[], now: number): Promise<boolean[]> {
  const out = new Array<boolean>(done.length).fill(false);
  if (done.length === 0) return out;
  const rows = await db.selectFrom('tasks').select(['id', 'request_id', 'group_key', 'state', 'lease_agent'])
    .where('id', 'in', done.map((d) => d.taskId)).execute();
  const byId = new Map(rows.map((r) => [Number(r.id), r]));
  const held = done.map((d, i) => ({ d, i, row: byId.get(d.taskId) }))
    .filter((x) => x.row !== undefined && x.row.state === 'leased' && x.row.lease_agent === agentId);
  const perRequest = new Map<string, Partial<Counters>>();
  for (const x of held) {
    const req = x.row?.request_id ?? '';
    const c = perRequest.get(req) ?? {};
    sum(c, x.d.completion.counters);
    perRequest.set(req, c);
  }
  for (const req of [...perRequest.keys()].sort()) await addCounters(db, req, perRequest.get(req) ?? {}, now);

  const plain = held.filter((x) => !x.d.completion.retry && !x.d.completion.failed && x.d.completion.result === undefined);
  if (plain.length > 0) {
    const r = await db.updateTable('tasks').set({ state: 'done', lease_agent: null, lease_expires: null, finished_at: now })
      .where('id', 'in', plain.map((x) => x.d.taskId)).where('state', '=', 'leased').where('lease_agent', '=', agentId).executeTakeFirst();
    if (Number(r.numUpdatedRows) !== plain.length) throw new Error('tasks changed hands while being completed');
  }
  for (const x of held) {
    const c = x.d.completion;
    if (plain.includes(x)) continue;
    const r = await db.updateTable('tasks').set({
      state: c.retry ? 'queued' : c.failed ? 'failed' : 'done', lease_agent: null, lease_expires: null, result: c.result ?? null,
      finished_at: c.retry ? null : now,
      ...(c.retry ? { not_before: c.retry.notBefore, payload: c.retry.payload, items: c.retry.items, bytes: c.retry.bytes } : {}),
    }).where('id', '=', x.d.taskId).where('state', '=', 'leased').where('lease_agent', '=', agentId).executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw new Error(`task ${x.d.taskId} changed hands while being completed`);
  }

  const tasks: { req: string; t: NewTask }[] = [];
  const errors: { request_id: string; path: string; code: string; message: string; at: number }[] = [];
  const manifest: { request_id: string; path: string; size: number; mtime_ns: string; hash: string }[] = [];
  const dirMeta: { request_id: string; path: string; depth: number; payload: string }[] = [];
  for (const x of held) {
    const req = x.row?.request_id ?? '';
    const c = x.d.completion;
    for (const t of c.tasks ?? []) tasks.push({ req, t });
    for (const e of c.errors ?? []) errors.push({ request_id: req, path: e.path, code: e.code, message: e.message, at: now });
    for (const m of c.manifest ?? []) manifest.push({ request_id: req, path: m.path, size: m.size, mtime_ns: m.mtimeNs, hash: m.hash });
    for (const d of c.dirMeta ?? []) dirMeta.push({ request_id: req, path: d.path, depth: d.depth, payload: d.payload });
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
  for (const x of held) {
    const c = x.d.completion;
    const group = x.row?.group_key ?? null;
    if (group !== null && c.closeGroup && !c.retry && !c.failed) await closeGroup(db, x.row?.request_id ?? '', group, c.closeGroup, now);
  }
  return out;
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

export async function phaseState(db: Db, requestId: string, phase: number): Promise<{ open: number; nextPhase: number | undefined; dirMetaDepth: number | undefined }> {
  const open = await db.selectFrom('tasks').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('request_id', '=', requestId).where('phase', '=', phase).where('state', 'in', ['queued', 'leased']).executeTakeFirstOrThrow();
  const next = await db.selectFrom('tasks').select((eb) => eb.fn.min<number>('phase').as('p'))
    .where('request_id', '=', requestId).where('phase', '>', phase).where('state', '=', 'queued').executeTakeFirst();
  const dm = await db.selectFrom('dir_meta').select((eb) => eb.fn.max<number>('depth').as('d')).where('request_id', '=', requestId).executeTakeFirst();
  return {
    open: Number(open.n),
    nextPhase: next?.p === null || next?.p === undefined ? undefined : Number(next.p),
    dirMetaDepth: dm?.d === null || dm?.d === undefined ? undefined : Number(dm.d),
  };
}
