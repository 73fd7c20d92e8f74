// An agent's leases in SQL beyond the lease itself (sql-task-queue.ts): renewed by its
// heartbeats, handed back when it leaves or a new process of its name enrols, one looked
// up when its report comes, and a request's leased tasks listed for a cancel.
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { LeasedTask } from './state-store.js';

/** task ids per statement when a heartbeat names the tasks it holds */
const EXTEND_PART = 1000;

// `lease_expires is not null` (true of every leased task) lets the partial index tasks_leases answer
export async function extendLeases(db: Kysely<Database>, agentId: string, leaseMs: number, now: number, only?: readonly number[]): Promise<number> {
  if (only?.length === 0) return 0;
  let n = 0;
  // in parts: one statement's parameters are bounded (SQLite: 32,766)
  for (let i = 0; i < (only?.length ?? 1); i += EXTEND_PART) {
    let q = db.updateTable('tasks').set({ lease_expires: now + leaseMs }).where('state', '=', 'leased').where('lease_agent', '=', agentId)
      .where('lease_expires', 'is not', null);
    if (only) q = q.where('id', 'in', only.slice(i, i + EXTEND_PART));
    n += Number((await q.executeTakeFirst()).numUpdatedRows);
  }
  return n;
}

/** the agent's leased tasks back to the queue; how many */
export async function releaseLeases(db: Kysely<Database>, agentId: string): Promise<number> {
  const r = await db.updateTable('tasks').set({ state: 'queued', lease_agent: null, lease_expires: null })
    .where('state', '=', 'leased').where('lease_agent', '=', agentId).where('lease_expires', 'is not', null).executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export async function heldTask(db: Kysely<Database>, agentId: string, taskId: number): Promise<LeasedTask | undefined> {
  const t = await db.selectFrom('tasks').selectAll().where('id', '=', taskId).where('lease_agent', '=', agentId)
    .where('state', '=', 'leased').executeTakeFirst();
  if (!t) return undefined;
  return {
    id: Number(t.id), requestId: t.request_id, kind: t.kind, phase: t.phase, payload: t.payload, items: Number(t.items),
    bytes: Number(t.bytes), groupKey: t.group_key, attempts: t.attempts, leaseExpires: Number(t.lease_expires),
  };
}

export async function leasedTasks(db: Kysely<Database>, requestId: string): Promise<{ id: number; agent: string }[]> {
  const rows = await db.selectFrom('tasks').select(['id', 'lease_agent']).where('request_id', '=', requestId).where('state', '=', 'leased').execute();
  return rows.map((r) => ({ id: Number(r.id), agent: r.lease_agent ?? '' }));
}
