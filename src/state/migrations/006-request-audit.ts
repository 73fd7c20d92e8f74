// Migration 6: who did what to each request. One row per action an operator took (submit,
// pause, resume, cancel, retry, a priority change), written in the transaction of the state
// change it records; a retry keeps them (it resets the request's work, not its history).
import type { Kysely } from 'kysely';
import type { Flavor } from '../flavor.js';

export async function up(db: Kysely<unknown>, flavor: Flavor): Promise<void> {
  const big = flavor === 'postgres' ? 'bigint' : 'integer';
  const serial = flavor === 'postgres' ? 'bigserial' : 'integer';
  await db.schema.createTable('request_audit')
    // the order of entries: two actions within one millisecond keep the order they happened in
    .addColumn('id', serial, (c) => (flavor === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('request_id', 'text', (c) => c.notNull().references('requests.id').onDelete('cascade'))
    .addColumn('at', big, (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('detail', 'text')
    .execute();
  await db.schema.createIndex('request_audit_request').on('request_audit').columns(['request_id', 'id']).execute();
}
