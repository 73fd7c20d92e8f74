// The counts /metrics shows, in SQL: tasks by state and kind, requests by state, errors by
// code, and the tasks queued for running requests.
import type { Kysely } from 'kysely';
import { RUNNING_STATES } from '../core/request-states.js';
import type { Database } from './schema.js';
import type { RequestState, TaskState } from './state-store.js';

export async function taskCounts(db: Kysely<Database>): Promise<{ state: TaskState; kind: string; n: number }[]> {
  const rows = await db.selectFrom('tasks').select(['state', 'kind', (eb) => eb.fn.countAll<number>().as('n')]).groupBy(['state', 'kind']).execute();
  return rows.map((r) => ({ state: r.state as TaskState, kind: r.kind, n: Number(r.n) }));
}

export async function requestCounts(db: Kysely<Database>): Promise<{ state: RequestState; n: number }[]> {
  const rows = await db.selectFrom('requests').select(['state', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('state').execute();
  return rows.map((r) => ({ state: r.state as RequestState, n: Number(r.n) }));
}

export async function errorCounts(db: Kysely<Database>): Promise<{ code: string; n: number }[]> {
  const rows = await db.selectFrom('errors').select(['code', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('code').execute();
  return rows.map((r) => ({ code: r.code, n: Number(r.n) }));
}

export async function queueDepth(db: Kysely<Database>): Promise<number> {
  const r = await db.selectFrom('tasks as t').innerJoin('requests as r', 'r.id', 't.request_id')
    .select((eb) => eb.fn.countAll<number>().as('n')).where('t.state', '=', 'queued').where('r.state', 'in', RUNNING_STATES)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
