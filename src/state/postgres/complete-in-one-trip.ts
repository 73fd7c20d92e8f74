// The common completion on PostgreSQL in one round trip: tasks done with counters and
// manifest entries (a copy task's report) and nothing else, written by the function of
// migration 4 through a prepared statement. The general path (sql-task-queue.completeBatch)
// takes five round trips, each statement planned afresh, while the request's row lock
// holds the next group of completions behind it.
import type pg from 'pg';
import type { Counters } from '../../core/counters.js';
import { COUNTER_COLUMNS } from '../counter-columns.js';
import { COUNTERS } from '../migrations/001-initial.js';
import { COMPLETE_FUNCTION } from '../migrations/004-complete-function.js';
import type { Done } from '../sql-task-queue.js';

/** runs a named (prepared once per connection) statement; its rows */
export type PreparedQuery = (name: string, text: string, values: unknown[]) => Promise<Record<string, unknown>[]>;

const KEY_OF_COLUMN = new Map(Object.entries(COUNTER_COLUMNS).map(([k, col]) => [col as string, k as keyof Counters]));
const COUNTER_KEYS = COUNTERS.map((col) => {
  const k = KEY_OF_COLUMN.get(col);
  if (!k) throw new Error(`counter column ${col} of migration 1 has no counter`);
  return k;
});

const TEXT = `SELECT ${COMPLETE_FUNCTION}($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) AS accepted`;

/** whether the function writes the batch exactly as the general path would */
function fits(done: readonly Done[]): boolean {
  const ids = new Set<number>();
  const paths = new Set<string>();
  for (const d of done) {
    const c = d.completion;
    if (c.retry || c.failed || c.result !== undefined || c.closeGroup || (c.tasks?.length ?? 0) > 0 || (c.errors?.length ?? 0) > 0
      || (c.dirMeta?.length ?? 0) > 0) return false;
    if (ids.has(d.taskId)) return false;
    ids.add(d.taskId);
    // one statement may not upsert one manifest row twice
    for (const m of c.manifest ?? []) {
      if (paths.has(m.path)) return false;
      paths.add(m.path);
    }
  }
  return true;
}

/**
 * Writes the batch in one round trip when it fits, and says which completions were
 * accepted (false: the agent no longer held that lease); undefined when it does not fit
 * and the general path must write it.
 */
export async function completeInOneTrip(query: PreparedQuery, done: readonly Done[], now: number, asyncCommit: boolean): Promise<boolean[] | undefined> {
  if (done.length === 0 || !fits(done)) return undefined;
  const manifest = done.flatMap((d) => (d.completion.manifest ?? []).map((m) => ({ task: d.taskId, ...m })));
  const rows = await query(COMPLETE_FUNCTION, TEXT, [
    asyncCommit, now, done.map((d) => d.taskId), done.map((d) => d.agentId),
    done.flatMap((d) => COUNTER_KEYS.map((k) => d.completion.counters?.[k] ?? 0)),
    manifest.map((m) => m.task), manifest.map((m) => m.path), manifest.map((m) => m.size), manifest.map((m) => m.mtimeNs), manifest.map((m) => m.hash),
  ]);
  const accepted = new Set(((rows[0]?.accepted ?? []) as (string | number)[]).map(Number));
  return done.map((d) => accepted.has(d.taskId));
}

export function preparedQueryOn(pool: pg.Pool): PreparedQuery {
  return async (name, text, values) => (await pool.query({ name, text, values })).rows as Record<string, unknown>[];
}
