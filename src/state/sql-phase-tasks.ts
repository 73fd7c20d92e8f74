// A request's tasks as its phases read them in SQL: what is queued or open, the heads of
// task groups, the results of a finished phase, the directory metadata a depth left, and
// the tasks canceled.
import type { Kysely } from 'kysely';
import { fromStoredText } from '../core/name-bytes.js';
import type { Database } from './schema.js';
import type { DirMetaEntry } from './state-store.js';

export async function queuedPayloads(db: Kysely<Database>, requestId: string, phase: number): Promise<{ id: number; kind: string; payload: string }[]> {
  const rows = await db.selectFrom('tasks').select(['id', 'kind', 'payload']).where('request_id', '=', requestId)
    .where('phase', '=', phase).where('state', '=', 'queued').orderBy('id').execute();
  return rows.map((r) => ({ id: Number(r.id), kind: r.kind, payload: r.payload }));
}

/** the payload of each group's first task of `kind` */
export async function groupHeads(db: Kysely<Database>, requestId: string, kind: string): Promise<string[]> {
  const heads = db.selectFrom('tasks').select((eb) => eb.fn.min<number>('id').as('id'))
    .where('request_id', '=', requestId).where('kind', '=', kind).where('group_key', 'is not', null).groupBy('group_key');
  const rows = await db.selectFrom('tasks').select('payload').where('id', 'in', heads).orderBy('id').execute();
  return rows.map((r) => r.payload);
}

export async function cancelTasks(db: Kysely<Database>, requestId: string, o: { phase?: number; leased?: boolean }, now: number): Promise<number> {
  let q = db.updateTable('tasks').set({ state: 'canceled', finished_at: now, lease_agent: null, lease_expires: null })
    .where('request_id', '=', requestId).where('state', 'in', o.leased ? ['queued', 'leased'] : ['queued']);
  if (o.phase !== undefined) q = q.where('phase', '=', o.phase);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** the directory metadata of one depth, read and deleted (inside a transaction) */
export async function takeDirMeta(db: Kysely<Database>, requestId: string, depth: number): Promise<DirMetaEntry[]> {
  const rows = await db.selectFrom('dir_meta').select(['path', 'depth', 'payload']).where('request_id', '=', requestId).where('depth', '=', depth).orderBy('path').execute();
  await db.deleteFrom('dir_meta').where('request_id', '=', requestId).where('depth', '=', depth).execute();
  return rows.map((r) => ({ path: fromStoredText(r.path), depth: r.depth, payload: r.payload }));
}

export async function openCount(db: Kysely<Database>, requestId: string, kinds: readonly string[]): Promise<number> {
  const r = await db.selectFrom('tasks').select((eb) => eb.fn.countAll<number>().as('n')).where('request_id', '=', requestId)
    .where('kind', 'in', [...kinds]).where('state', 'in', ['queued', 'leased']).executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function phaseResults(db: Kysely<Database>, requestId: string, phase: number): Promise<string[]> {
  const rows = await db.selectFrom('tasks').select('result').where('request_id', '=', requestId).where('phase', '=', phase)
    .where('state', '=', 'done').execute();
  return rows.map((r) => r.result ?? '');
}
