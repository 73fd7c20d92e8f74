// The tasks of a request from an archive endpoint that wait for their files to be staged, in
// SQL: held tasks are queued rows with not_before = HELD_UNTIL_STAGED (core/request-states.ts),
// so what waits is as durable as the queue and a request with one cannot finish. No table of
// its own: whether a file is in the buffer is the archive's to say, after a restart too.
import type { Kysely } from 'kysely';
import { HELD_UNTIL_STAGED } from '../core/request-states.js';
import { fromStoredText, toStoredText } from '../core/name-bytes.js';
import type { Database } from './schema.js';
import type { FileError, HeldTask, NewTask } from './state-store.js';
import { addCounters } from './sql-task-queue.js';

/** statements take at most this many ids (SQLite: 32,766 parameters) */
const PART = 1000;

export async function heldTasks(db: Kysely<Database>, requestId: string, afterId: number): Promise<HeldTask[]> {
  const rows = await db.selectFrom('tasks').select(['id', 'kind', 'phase', 'payload']).where('request_id', '=', requestId)
    .where('state', '=', 'queued').where('not_before', '=', HELD_UNTIL_STAGED).where('id', '>', afterId).orderBy('id').execute();
  return rows.map((r) => ({ id: Number(r.id), kind: r.kind, phase: r.phase, payload: r.payload }));
}

/** removes the held tasks; throws (so the caller's transaction rolls back) when one is no longer held */
async function takeHeld(db: Kysely<Database>, requestId: string, ids: readonly number[]): Promise<void> {
  let n = 0;
  for (let i = 0; i < ids.length; i += PART) {
    const r = await db.deleteFrom('tasks').where('id', 'in', ids.slice(i, i + PART)).where('request_id', '=', requestId)
      .where('state', '=', 'queued').where('not_before', '=', HELD_UNTIL_STAGED).executeTakeFirst();
    n += Number(r.numDeletedRows);
  }
  if (n !== ids.length) throw new NotHeld();
}

export class NotHeld extends Error {
  constructor() { super('a held task was taken meanwhile (canceled, or another coordinator started it)'); }
}

/** call inside a transaction; the ids of the tasks queued, in the order given */
export async function startHeld(db: Kysely<Database>, requestId: string, ids: readonly number[], tasks: readonly NewTask[], now: number): Promise<number[]> {
  await takeHeld(db, requestId, ids);
  const out: number[] = [];
  for (const t of tasks) {
    const r = await db.insertInto('tasks').values({
      request_id: requestId, kind: t.kind, phase: t.phase, payload: t.payload, items: t.items, bytes: t.bytes,
      state: 'queued', attempts: 0, not_before: t.notBefore ?? 0, lease_agent: null, lease_expires: null,
      group_key: t.groupKey ?? null, result: null, created_at: now, finished_at: null,
    }).returning('id').executeTakeFirstOrThrow();
    out.push(Number(r.id));
  }
  await addCounters(db, requestId, {}, now); // touches the row: a change the API's watchers see
  return out;
}

/** call inside a transaction */
export async function failHeld(db: Kysely<Database>, requestId: string, ids: readonly number[], errors: readonly FileError[], now: number): Promise<true> {
  await takeHeld(db, requestId, ids);
  for (let i = 0; i < errors.length; i += PART) {
    await db.insertInto('errors').values(errors.slice(i, i + PART).map((e) => ({
      request_id: requestId, path: toStoredText(e.path), code: e.code, message: toStoredText(e.message), at: now,
    }))).execute();
  }
  await addCounters(db, requestId, { failed: errors.length }, now);
  return true;
}

export async function openTaskIds(db: Kysely<Database>, ids: readonly number[]): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < ids.length; i += PART) {
    const rows = await db.selectFrom('tasks').select('id').where('id', 'in', ids.slice(i, i + PART)).where('state', 'in', ['queued', 'leased']).execute();
    out.push(...rows.map((r) => Number(r.id)));
  }
  return out;
}

export async function manifestHas(db: Kysely<Database>, requestId: string, paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < paths.length; i += PART) {
    const rows = await db.selectFrom('manifest').select('path').where('request_id', '=', requestId)
      .where('path', 'in', paths.slice(i, i + PART).map(toStoredText)).execute();
    out.push(...rows.map((r) => fromStoredText(r.path)));
  }
  return out;
}
