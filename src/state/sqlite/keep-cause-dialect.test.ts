// A transaction SQLite rolled back itself (here SQLITE_FULL: the database reached its
// max_page_count, as a full disk does) fails with SQLite's own error, not with kysely's
// failed ROLLBACK after it; a transaction that fails otherwise is still rolled back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { Kysely, sql, SqliteDialect, type Dialect } from 'kysely';
import { KeepCauseSqliteDialect } from './keep-cause-dialect.js';

function open(dialect: (db: Database.Database) => Dialect): { db: Kysely<unknown>; sqlite: Database.Database } {
  const sqlite = new Database(':memory:');
  sqlite.exec('create table t (a text)');
  return { db: new Kysely<unknown>({ dialect: dialect(sqlite) }), sqlite };
}

async function overflow(db: Kysely<unknown>, sqlite: Database.Database): Promise<void> {
  sqlite.pragma('max_page_count = 20');
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < 1000; i++) await sql`insert into t values (${'x'.repeat(1000)})`.execute(trx);
  });
}

test('a full database fails the transaction with SQLITE_FULL, not with the rollback that follows', async () => {
  const { db, sqlite } = open((s) => new KeepCauseSqliteDialect(s, { database: s }));
  try {
    await assert.rejects(overflow(db, sqlite), (e: Error & { code?: string }) => e.code === 'SQLITE_FULL' && /database or disk is full/.test(e.message));
    assert.equal(sqlite.inTransaction, false);
  } finally { await db.destroy(); }
  // kysely's own dialect, for the record: the cause is lost
  const plain = open((s) => new SqliteDialect({ database: s }));
  try {
    await assert.rejects(overflow(plain.db, plain.sqlite), /cannot rollback - no transaction is active/);
  } finally { await plain.db.destroy(); }
});

test('a transaction that fails in its own code is rolled back as before', async () => {
  const { db, sqlite } = open((s) => new KeepCauseSqliteDialect(s, { database: s }));
  try {
    await assert.rejects(db.transaction().execute(async (trx) => {
      await sql`insert into t values ('kept?')`.execute(trx);
      throw new Error('changed my mind');
    }), /changed my mind/);
    assert.equal(sqlite.inTransaction, false);
    assert.deepEqual(sqlite.prepare('select count(*) as n from t').get(), { n: 0 });
  } finally { await db.destroy(); }
});
