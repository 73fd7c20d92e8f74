// Migration 9 (inbox keys): which request each file of the drop-folder inbox became. A row is
// written in the transaction that inserts the request, so a coordinator that dies between
// that insert and moving the file to accepted/ finds the file's key on restart and moves it
// without a second request. The key is the file's request id ("id:ID") or the SHA-256 of its
// bytes ("sha256:HEX").
import type { Kysely } from 'kysely';
import type { Flavor } from '../flavor.js';

export async function up(db: Kysely<unknown>, flavor: Flavor): Promise<void> {
  const big = flavor === 'postgres' ? 'bigint' : 'integer';
  await db.schema.createTable('inbox_keys')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('request_id', 'text', (c) => c.notNull().references('requests.id').onDelete('cascade'))
    // the name the file had in the inbox: the same name again is the same drop, another is a duplicate
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('created_at', big, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('inbox_keys_request').on('inbox_keys').column('request_id').execute();
}
