// SQLite through better-sqlite3: the embedded default (a file in the state folder), and
// the in-memory engine (":memory:"). WAL and NORMAL sync: a commit survives a crash of
// the process, which is the failure the coordinator must survive.
import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import { Kysely } from 'kysely';
import { migrate } from '../migrate.js';
import type { Database as Schema } from '../schema.js';
import { SqlStateStore } from '../sql-state-store.js';
import { withStatementCache } from './statement-cache.js';
import { KeepCauseSqliteDialect } from './keep-cause-dialect.js';

/**
 * The file holds the key that signs write grants: it is made readable by its owner only
 * (SQLite gives its -wal and -shm files the database file's mode), and an existing one
 * that others could read is narrowed to that.
 */
function ownerOnly(file: string): void {
  if (file === ':memory:') return;
  fs.closeSync(fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600));
  const st = fs.statSync(file);
  if ((st.mode & 0o077) !== 0 && st.uid === process.getuid?.()) {
    fs.chmodSync(file, 0o600);
    for (const side of ['-wal', '-shm']) {
      try { fs.chmodSync(file + side, 0o600); } catch { /* not there yet */ }
    }
  }
}

export async function openSqliteStore(file: string): Promise<SqlStateStore> {
  ownerOnly(file);
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  // several coordinators must not share one SQLite file; a second process waits, then fails clearly
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Schema>({ dialect: new KeepCauseSqliteDialect(sqlite, { database: withStatementCache(sqlite) }) });
  await migrate(db as unknown as Kysely<unknown>, 'sqlite');
  return new SqlStateStore(db, 'sqlite', () => db.destroy());
}
