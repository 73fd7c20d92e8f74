// SQLite through better-sqlite3: the embedded default (a file in the state folder), and
// the in-memory engine (":memory:"). WAL and NORMAL sync: a commit survives a crash of
// the process, which is the failure the coordinator must survive.
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { migrate } from '../migrate.js';
import type { Database as Schema } from '../schema.js';
import { SqlStateStore } from '../sql-state-store.js';
import { withStatementCache } from './statement-cache.js';

export async function openSqliteStore(file: string): Promise<SqlStateStore> {
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  // several coordinators must not share one SQLite file; a second process waits, then fails clearly
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  await migrate(db as unknown as Kysely<unknown>, 'sqlite');
  return new SqlStateStore(db, 'sqlite', () => db.destroy());
}
