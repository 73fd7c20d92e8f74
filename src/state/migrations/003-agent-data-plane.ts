// Migration 3: what remote agents need. An agent's data-plane address (where others push
// to it), and settings shared by every coordinator on one database: the key pair that
// signs data-plane grants must be the same whichever coordinator issued a lease.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('agents').addColumn('data_address', 'text').execute();
  await db.schema.createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
}
