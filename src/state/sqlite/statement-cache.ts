// better-sqlite3 behind kysely with its prepared statements kept: kysely's SQLite driver
// prepares every query it runs, which took a quarter of the CPU of a lease and its
// completion (measured: 3.4 s of 13.4 s for 20,000 of each). The same query shapes come
// back all the time, so the statements are kept by SQL text, the least recently used
// dropped past a bound. Safe because every query here runs to its end synchronously
// (all() or run()); a statement is never in the middle of an iteration when reused.
import type Database from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** distinct SQL texts kept: a task queue uses a few dozen shapes, IN lists add some */
const MAX_STATEMENTS = 256;

export function withStatementCache(db: Database.Database): SqliteDatabase {
  const kept = new Map<string, SqliteStatement>();
  return {
    close: () => db.close(),
    prepare: (sql) => {
      const hit = kept.get(sql);
      if (hit) {
        kept.delete(sql);
        kept.set(sql, hit);
        return hit;
      }
      const stmt = db.prepare(sql);
      if (kept.size >= MAX_STATEMENTS) {
        const oldest = kept.keys().next();
        if (!oldest.done) kept.delete(oldest.value);
      }
      kept.set(sql, stmt);
      return stmt;
    },
  };
}
