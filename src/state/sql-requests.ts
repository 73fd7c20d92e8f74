// The requests table in SQL: a request's row made, read (with its submitter), listed,
// locked for a change, moved from state to state, and reset for a retry.
import { sql, type Kysely } from 'kysely';
import { zeroCounterColumns } from './counter-columns.js';
import type { Database } from './schema.js';
import type { Flavor } from './flavor.js';
import { submittedBy } from './sql-request-audit.js';
import { requestOf } from './row-records.js';
import type { NewRequest, Page, RequestRecord, RequestState } from './state-store.js';

/** the request's row (its file list apart: request_files); false when the id is taken */
export async function insertRequest(db: Kysely<Database>, r: NewRequest, now: number): Promise<boolean> {
  const res = await db.insertInto('requests').values({
    id: r.id, state: 'queued', phase: 0, priority: r.priority, source: r.source, destination: r.destination,
    src_endpoint: r.srcEndpoint, dst_endpoint: r.dstEndpoint, spec: r.spec, message: null, paused_from: null,
    created_at: now, started_at: null, finished_at: null, updated_at: now,
    ...zeroCounterColumns(),
  }).onConflict((oc) => oc.column('id').doNothing()).executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0) === 1;
}

export async function insertRequestFiles(db: Kysely<Database>, requestId: string, files: string): Promise<void> {
  await db.insertInto('request_files').values({ request_id: requestId, files }).execute();
}

export async function requestFiles(db: Kysely<Database>, id: string): Promise<string | undefined> {
  const r = await db.selectFrom('request_files').select('files').where('request_id', '=', id).executeTakeFirst();
  return r?.files;
}

export async function getRequest(db: Kysely<Database>, id: string): Promise<RequestRecord | undefined> {
  const r = await db.selectFrom('requests').selectAll().select(submittedBy).where('id', '=', id).executeTakeFirst();
  return r && requestOf(r);
}

/** the request's row, locked until the transaction ends where the database can (PostgreSQL) */
export async function lockRequest(db: Kysely<Database>, flavor: Flavor, id: string): Promise<RequestRecord | undefined> {
  let q = db.selectFrom('requests').selectAll().select(submittedBy).where('id', '=', id);
  if (flavor === 'postgres') q = q.forUpdate();
  const r = await q.executeTakeFirst();
  return r && requestOf(r);
}

export async function listRequests(db: Kysely<Database>, q: { states?: readonly RequestState[]; text?: string; limit: number; offset: number }): Promise<Page<RequestRecord>> {
  let base = db.selectFrom('requests');
  if (q.states && q.states.length > 0) base = base.where('state', 'in', [...q.states]);
  if (q.text !== undefined && q.text !== '') {
    // the text is matched as it is: LIKE's own % and _ (and the escape character) are escaped
    const like = `%${q.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const holds = (c: 'id' | 'source' | 'destination') => sql<boolean>`${sql.ref(c)} like ${like} escape '\\'`;
    base = base.where(sql<boolean>`(${holds('id')} or ${holds('source')} or ${holds('destination')})`);
  }
  const rows = await base.selectAll().select(submittedBy).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(q.limit).offset(q.offset).execute();
  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { items: rows.map(requestOf), total: Number(total.n) };
}

export async function requestsIn(db: Kysely<Database>, states: readonly RequestState[]): Promise<RequestRecord[]> {
  const rows = await db.selectFrom('requests').selectAll().select(submittedBy).where('state', 'in', [...states]).orderBy('created_at').execute();
  return rows.map(requestOf);
}

/** true when the request was in one of `from` and is now in `to` */
export async function setRequestState(db: Kysely<Database>, id: string, from: readonly RequestState[], to: RequestState, now: number, extra: { phase?: number; message?: string | null; pausedFrom?: RequestState | null }): Promise<boolean> {
  const terminal = to === 'succeeded' || to === 'failed' || to === 'canceled';
  const r = await db.updateTable('requests').set((eb) => ({
    state: to, updated_at: now,
    ...(extra.phase !== undefined ? { phase: extra.phase } : {}),
    ...(extra.message !== undefined ? { message: extra.message } : {}),
    ...(extra.pausedFrom !== undefined ? { paused_from: extra.pausedFrom } : {}),
    ...(to === 'running' || to === 'staging' ? { started_at: eb.fn.coalesce('started_at', eb.val(now)) } : {}),
    ...(terminal ? { finished_at: now } : {}),
  })).where('id', '=', id).where('state', 'in', [...from]).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** true when the request was in one of `from` and has the priority now */
export async function setRequestPriority(db: Kysely<Database>, id: string, from: readonly RequestState[], priority: number, now: number): Promise<boolean> {
  const r = await db.updateTable('requests').set({ priority, updated_at: now }).where('id', '=', id).where('state', 'in', [...from]).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** back to queued with nothing done: its tasks, errors, manifest and directory metadata go (inside a transaction) */
export async function resetRequest(db: Kysely<Database>, id: string, now: number): Promise<void> {
  for (const table of ['tasks', 'errors', 'manifest', 'dir_meta'] as const) await db.deleteFrom(table).where('request_id', '=', id).execute();
  await db.updateTable('requests').set({
    state: 'queued', phase: 0, message: null, paused_from: null, started_at: null, finished_at: null, updated_at: now,
    ...zeroCounterColumns(),
  }).where('id', '=', id).execute();
}
