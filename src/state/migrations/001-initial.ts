// Migration 1: requests, the task queue, agents, per-file errors, the manifest and the
// directory metadata left for the last pass.
import type { Kysely } from 'kysely';
import type { Flavor } from '../flavor.js';

/** the counter columns of `requests`, in the order later migrations rely on */
export const COUNTERS = ['files_found', 'bytes_found', 'dirs_found', 'files_to_copy', 'bytes_to_copy', 'files_copied', 'bytes_copied',
  'bytes_resumed', 'files_up_to_date', 'meta_updated', 'dirs_created', 'symlinks_made', 'hardlinks_made', 'deleted',
  'specials_skipped', 'failed'];

export async function up(db: Kysely<unknown>, flavor: Flavor): Promise<void> {
  const big = flavor === 'postgres' ? 'bigint' : 'integer';
  const serial = flavor === 'postgres' ? 'bigserial' : 'integer';

  let requests = db.schema.createTable('requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('phase', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('destination', 'text', (c) => c.notNull())
    .addColumn('src_endpoint', 'text', (c) => c.notNull())
    .addColumn('dst_endpoint', 'text', (c) => c.notNull())
    .addColumn('spec', 'text', (c) => c.notNull())
    .addColumn('message', 'text')
    .addColumn('paused_from', 'text')
    .addColumn('created_at', big, (c) => c.notNull())
    .addColumn('started_at', big)
    .addColumn('finished_at', big)
    .addColumn('updated_at', big, (c) => c.notNull());
  for (const name of COUNTERS) requests = requests.addColumn(name, big, (c) => c.notNull().defaultTo(0));
  await requests.execute();
  await db.schema.createIndex('requests_state').on('requests').columns(['state']).execute();
  await db.schema.createIndex('requests_created').on('requests').columns(['created_at']).execute();

  await db.schema.createTable('tasks')
    .addColumn('id', serial, (c) => (flavor === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('request_id', 'text', (c) => c.notNull().references('requests.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('phase', 'integer', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('items', big, (c) => c.notNull())
    .addColumn('bytes', big, (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('not_before', big, (c) => c.notNull())
    .addColumn('lease_agent', 'text')
    .addColumn('lease_expires', big)
    .addColumn('group_key', 'text')
    .addColumn('result', 'text')
    .addColumn('created_at', big, (c) => c.notNull())
    .addColumn('finished_at', big)
    .execute();
  // the lease query walks queued tasks of one phase; completions count a request's open tasks
  await db.schema.createIndex('tasks_queue').on('tasks').columns(['state', 'request_id', 'phase', 'id']).execute();
  await db.schema.createIndex('tasks_request').on('tasks').columns(['request_id', 'phase', 'state']).execute();
  await db.schema.createIndex('tasks_group').on('tasks').columns(['request_id', 'group_key']).execute();
  await db.schema.createIndex('tasks_lease').on('tasks').columns(['lease_agent']).execute();

  await db.schema.createTable('agents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('site', 'text', (c) => c.notNull())
    .addColumn('endpoints', 'text', (c) => c.notNull())
    .addColumn('slots', 'integer', (c) => c.notNull())
    .addColumn('running', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('coordinator', 'text', (c) => c.notNull())
    .addColumn('started_at', big, (c) => c.notNull())
    .addColumn('last_seen', big, (c) => c.notNull())
    .execute();

  await db.schema.createTable('errors')
    .addColumn('id', serial, (c) => (flavor === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('request_id', 'text', (c) => c.notNull().references('requests.id').onDelete('cascade'))
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('at', big, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('errors_request').on('errors').columns(['request_id', 'id']).execute();

  await db.schema.createTable('manifest')
    .addColumn('request_id', 'text', (c) => c.notNull().references('requests.id').onDelete('cascade'))
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('size', big, (c) => c.notNull())
    .addColumn('mtime_ns', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('manifest_pk', ['request_id', 'path'])
    .execute();

  await db.schema.createTable('dir_meta')
    .addColumn('request_id', 'text', (c) => c.notNull().references('requests.id').onDelete('cascade'))
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('depth', 'integer', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('dir_meta_pk', ['request_id', 'path'])
    .execute();
  await db.schema.createIndex('dir_meta_depth').on('dir_meta').columns(['request_id', 'depth']).execute();
}
