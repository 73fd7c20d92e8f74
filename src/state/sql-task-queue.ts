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

export async function lease(db: Db, flavor: Flavor, agentId: string, o: LeaseOptions, now: number): Promise<LeasedTask[]> {
  if (o.capacity <= 0) return [];
  let pick = db.selectFrom('tasks as t').innerJoin('requests as r', 'r.id', 't.request_id')
    .select('t.id')
    .where('t.state', '=', 'queued')
    .where('t.not_before', '<=', now)
    .where('r.state', 'in', ['running', 'finalizing'])
    .whereRef('t.phase', '=', 'r.phase')
    .orderBy('r.priority', 'desc').orderBy('t.id')
    .limit(o.capacity);
  if (o.endpoints) {
    const eps = o.endpoints.length > 0 ? [...o.endpoints] : [''];
    pick = pick.where('r.src_endpoint', 'in', eps).where('r.dst_endpoint', 'in', eps);
  }
  if (flavor === 'postgres') pick = pick.forUpdate('t').skipLocked();
  const expires = now + o.leaseMs;
  const rows = await db.updateTable('tasks')
    .set((eb) => ({ state: 'leased', lease_agent: agentId, lease_expires: expires, attempts: eb('attempts', '+', 1) }))
    .where('id', 'in', pick)
    .returning(['id', 'request_id', 'kind', 'phase', 'payload', 'items', 'bytes', 'group_key', 'attempts'])
    .execute();
  rows.sort((a, b) => a.id - b.id);
  return rows.map((r) => ({
    id: Number(r.id), requestId: r.request_id, kind: r.kind, phase: r.phase, payload: r.payload, items: Number(r.items),
    bytes: Number(r.bytes), groupKey: r.group_key, attempts: r.attempts, leaseExpires: expires,
  }));
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

/** the task's request, locked first: completions and phase changes take locks in the same order */
export async function complete(db: Db, agentId: string, taskId: number, c: Completion, now: number): Promise<boolean> {
  const task = await db.selectFrom('tasks').select(['request_id', 'group_key', 'state', 'lease_agent']).where('id', '=', taskId).executeTakeFirst();
  if (!task || task.state !== 'leased' || task.lease_agent !== agentId) return false;
  await addCounters(db, task.request_id, c.counters ?? {}, now);
  const state = c.retry ? 'queued' : c.failed ? 'failed' : 'done';
  const ended = await db.updateTable('tasks').set({
    state, lease_agent: null, lease_expires: null, result: c.result ?? null,
    finished_at: c.retry ? null : now,
    ...(c.retry ? { not_before: c.retry.notBefore, payload: c.retry.payload, items: c.retry.items, bytes: c.retry.bytes } : {}),
  }).where('id', '=', taskId).where('state', '=', 'leased').where('lease_agent', '=', agentId).executeTakeFirst();
  if (Number(ended.numUpdatedRows) !== 1) throw new Error(`task ${taskId} changed hands while being completed`);
  const requestId = task.request_id;
  if (c.tasks && c.tasks.length > 0) await enqueue(db, requestId, c.tasks, now);
  if (c.errors && c.errors.length > 0) {
    for (const part of slices(c.errors, INSERT_ROWS)) {
      await db.insertInto('errors').values(part.map((e) => ({ request_id: requestId, path: e.path, code: e.code, message: e.message, at: now }))).execute();
    }
  }
  if (c.manifest && c.manifest.length > 0) {
    for (const part of slices(c.manifest, INSERT_ROWS)) {
      await db.insertInto('manifest').values(part.map((m) => ({ request_id: requestId, path: m.path, size: m.size, mtime_ns: m.mtimeNs, hash: m.hash })))
        .onConflict((oc) => oc.columns(['request_id', 'path']).doUpdateSet((eb) => ({
          size: eb.ref('excluded.size'), mtime_ns: eb.ref('excluded.mtime_ns'), hash: eb.ref('excluded.hash'),
        }))).execute();
    }
  }
  if (c.dirMeta && c.dirMeta.length > 0) {
    for (const part of slices(c.dirMeta, INSERT_ROWS)) {
      await db.insertInto('dir_meta').values(part.map((d) => ({ request_id: requestId, path: d.path, depth: d.depth, payload: d.payload })))
        .onConflict((oc) => oc.columns(['request_id', 'path']).doNothing()).execute();
    }
  }
  if (task.group_key !== null && c.closeGroup && state === 'done') await closeGroup(db, requestId, task.group_key, c.closeGroup, now);
  return true;
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
