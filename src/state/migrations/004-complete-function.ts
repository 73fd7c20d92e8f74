// Migration 4 (PostgreSQL only): the common completion as one function call. Tasks done
// with counters and manifest entries (a copy task's report), nothing else, for the tasks
// their agents still hold. The general path in sql-task-queue.ts takes five round trips
// (BEGIN, read the tasks, counters, mark done, COMMIT) and PostgreSQL plans each statement
// afresh; here it is one call, whose statements PostgreSQL plans once per connection.
//
// It does what the general path does, in the same order: the requests' row locks first,
// in id order (so completions, cancels and phase changes lock alike everywhere), then the
// held tasks done, their counters added, their manifest rows written. It returns the ids
// of the tasks it accepted. p_counters holds the counter deltas of each task in turn, in
// the order of COUNTERS.
import { sql, type Kysely } from 'kysely';
import type { Flavor } from '../flavor.js';
import { COUNTERS } from './001-initial.js';

export const COMPLETE_FUNCTION = 'barge_complete_done';

export async function up(db: Kysely<unknown>, flavor: Flavor): Promise<void> {
  if (flavor !== 'postgres') return;
  const n = COUNTERS.length;
  const sums = COUNTERS.map((c, i) => `sum(p_counters[(d.ord - 1) * ${n} + ${i + 1}]) AS ${c}`).join(',\n        ');
  const adds = COUNTERS.map((c) => `${c} = r.${c} + s.${c}`).join(', ');
  await sql.raw(`
CREATE OR REPLACE FUNCTION ${COMPLETE_FUNCTION}(
  p_async boolean, p_now bigint, p_ids bigint[], p_agents text[], p_counters bigint[],
  p_m_task bigint[], p_m_path text[], p_m_size bigint[], p_m_mtime text[], p_m_hash text[]
) RETURNS bigint[] LANGUAGE plpgsql
-- its statements' plans depend on array lengths only, which the planner cannot use: left
-- to choose, PostgreSQL keeps planning every call afresh (measured: 0.96 ms a call, 0.45 generic)
SET plan_cache_mode = force_generic_plan
AS $fn$
DECLARE
  accepted bigint[];
BEGIN
  IF p_async THEN
    PERFORM set_config('synchronous_commit', 'off', true);
  END IF;
  PERFORM 1 FROM requests WHERE id IN (SELECT request_id FROM tasks WHERE id = ANY(p_ids)) ORDER BY id FOR UPDATE;
  WITH input AS (
    SELECT i.id, i.agent, i.ord FROM unnest(p_ids, p_agents) WITH ORDINALITY AS i(id, agent, ord)
  ), done AS (
    UPDATE tasks t SET state = 'done', lease_agent = NULL, lease_expires = NULL, finished_at = p_now
    FROM input i WHERE t.id = i.id AND t.state = 'leased' AND t.lease_agent = i.agent
    RETURNING t.id, t.request_id, i.ord
  ), sums AS (
    SELECT d.request_id,
        ${sums}
    FROM done d GROUP BY d.request_id
  ), req AS (
    UPDATE requests r SET ${adds}, updated_at = p_now FROM sums s WHERE r.id = s.request_id
  ), man AS (
    INSERT INTO manifest (request_id, path, size, mtime_ns, hash)
    SELECT d.request_id, m.path, m.size, m.mtime, m.hash
    FROM unnest(p_m_task, p_m_path, p_m_size, p_m_mtime, p_m_hash) AS m(task, path, size, mtime, hash) JOIN done d ON d.id = m.task
    ON CONFLICT (request_id, path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns, hash = excluded.hash
  )
  SELECT coalesce(array_agg(id), '{}') INTO accepted FROM done;
  RETURN accepted;
END
$fn$`).execute(db);
}
