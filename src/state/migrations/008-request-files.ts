// Migration 8: a request's file list (up to a million paths, 12 MB of JSON) lives in a
// table of its own. In the request's row it was read and rewritten with every counter
// update and every lock of the row (SQLite copies a whole row to change one column):
// 178 ms an update at a million paths, which stalled the coordinator for minutes.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('request_files')
    .addColumn('request_id', 'text', (c) => c.primaryKey())
    .addColumn('files', 'text', (c) => c.notNull())
    .execute();
  // requests made before: their list moves out of the spec, which keeps its count
  const rows = await sql<{ id: string; spec: string }>`SELECT id, spec FROM requests WHERE spec LIKE '%"files":%'`.execute(db);
  for (const r of rows.rows) {
    const spec = JSON.parse(r.spec) as { files?: unknown[] } & Record<string, unknown>;
    if (!Array.isArray(spec.files)) continue;
    const { files, ...rest } = spec;
    await sql`INSERT INTO request_files (request_id, files) VALUES (${r.id}, ${JSON.stringify(files)})`.execute(db);
    await sql`UPDATE requests SET spec = ${JSON.stringify({ ...rest, filesListed: files.length })} WHERE id = ${r.id}`.execute(db);
  }
}
