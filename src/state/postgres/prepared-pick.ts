// The lease's pick on PostgreSQL as a prepared statement: the same statement as
// sql-task-queue's pickFrom builds with kysely, written once as text so that pg prepares it
// once per connection and PostgreSQL plans it once (measured: 0.26 ms a pick, 0.45-0.52
// planned afresh). Only outside a caller's transaction, where the pick commits alone and
// need not wait for its WAL flush.
import { CLEANUP_PHASE, RUNNING_STATES } from '../../core/request-states.js';
import type { LeasedTask } from '../state-store.js';
import type { PreparedQuery } from './complete-in-one-trip.js';
import type { Pick } from '../sql-task-queue.js';

const NAME = 'barge_pick';

// a CTE, not `id IN (subquery)`: PostgreSQL may run such a subquery again per row and so
// take more than LIMIT rows; EXISTS: the request still runs at this phase (the list of
// runnable requests may be stale); set_config in the statement: SET LOCAL would be a
// round trip of its own
const TEXT = `WITH picked AS (
  SELECT id FROM tasks
  WHERE state = 'queued' AND request_id = $1 AND phase = $2 AND not_before <= $3 AND id >= $4 AND bytes <= $8
    AND EXISTS (SELECT 1 FROM requests WHERE requests.id = $1 AND (requests.state IN (${RUNNING_STATES.map((x) => `'${x}'`).join(', ')}) OR (requests.state = 'canceled' AND requests.phase = ${CLEANUP_PHASE})) AND requests.phase = $2)
  ORDER BY id LIMIT $5 FOR UPDATE SKIP LOCKED
)
UPDATE tasks SET state = 'leased', lease_agent = $6, lease_expires = $7, attempts = tasks.attempts + 1
FROM picked WHERE tasks.id = picked.id
RETURNING tasks.id, tasks.request_id, tasks.kind, tasks.phase, tasks.payload, tasks.items, tasks.bytes, tasks.group_key,
  tasks.attempts, set_config('synchronous_commit', 'off', true) AS commit_mode`;

/** a row of TEXT's RETURNING (int8 columns come back as numbers: see open-postgres.ts) */
interface PickedRow {
  id: number; request_id: string; kind: string; phase: number; payload: string; items: number; bytes: number;
  group_key: string | null; attempts: number;
}

export async function preparedPick(query: PreparedQuery, agentId: string, p: Pick): Promise<LeasedTask[]> {
  const rows = await query(NAME, TEXT, [p.requestId, p.phase, p.now, p.from, p.want, agentId, p.expires, p.maxBytes]) as unknown as PickedRow[];
  return rows.map((t) => ({
    id: Number(t.id), requestId: t.request_id, kind: t.kind, phase: t.phase, payload: t.payload, items: Number(t.items),
    bytes: Number(t.bytes), groupKey: t.group_key, attempts: t.attempts, leaseExpires: p.expires,
  })).sort((a, b) => a.id - b.id);
}
