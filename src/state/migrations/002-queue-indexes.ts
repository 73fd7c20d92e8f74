// Migration 2: task indexes that leave the planner no slow way to a lease or a completion.
// Each lease and completion rewrites a task row, and until vacuum (autovacuum off, or
// behind) every index keeps an entry for each old version. With no statistics PostgreSQL
// took tasks_request (request_id, phase, state) for the lease and sorted every queued task
// (15 ms at 25,000); with any, the primary key, filtering every task done so far; and for
// a completion, a bitmap of tasks_lease and tasks_queue's 'leased' range: every task ever
// leased. Now the queue index ends in id, so a lease from a cursor is a range scan whichever
// index is taken, and the only index a completion (tasks by id) can use is the primary key.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const name of ['tasks_queue', 'tasks_request', 'tasks_lease', 'tasks_group']) await db.schema.dropIndex(name).execute();
  // the lease (a request's queued tasks of one phase, by id), and a phase's open tasks
  await db.schema.createIndex('tasks_request_queue').on('tasks').columns(['request_id', 'phase', 'state', 'id']).execute();
  // heartbeats, releases and the reaper. lease_expires is set exactly while a task is leased;
  // a completion does not name it, so this index cannot compete with the primary key there
  await db.schema.createIndex('tasks_leases').on('tasks').columns(['lease_agent', 'lease_expires'])
    .where(sql.ref('lease_expires'), 'is not', null).execute();
  // the chunks of a large file; most tasks have no group
  await db.schema.createIndex('tasks_groups').on('tasks').columns(['request_id', 'group_key'])
    .where(sql.ref('group_key'), 'is not', null).execute();
}
