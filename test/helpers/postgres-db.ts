// A fresh PostgreSQL database per test file, dropped at the end. Under CI=true a missing
// server fails the tests; elsewhere they are skipped with the reason.
import pg from 'pg';

export const PG_ADMIN_URL = process.env.BARGE_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

function urlFor(name: string): string {
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

/** undefined: the server does not answer (and we are not in CI) — the caller skips */
export async function createTestDatabase(tag: string): Promise<TestDatabase | undefined> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  try {
    await admin.connect();
  } catch (e) {
    if (process.env.CI === 'true') throw new Error(`PostgreSQL is needed at ${PG_ADMIN_URL} under CI: ${(e as Error).message}`);
    return undefined;
  }
  const name = `barge_${tag}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    url: urlFor(name),
    async drop(): Promise<void> {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      try {
        // a closed pool's connections say goodbye asynchronously: wait for them, so FORCE
        // does not cut one mid-goodbye (its client would raise an error into the test)
        for (let i = 0; i < 100; i++) {
          const r = await c.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1', [name]);
          if (r.rows[0]?.n === '0') break;
          await new Promise((res) => setTimeout(res, 20));
        }
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally { await c.end(); }
    },
  };
}

export function pgSkipReason(): string {
  return `PostgreSQL is not answering at ${PG_ADMIN_URL} (set BARGE_TEST_PG, or start it; CI=true makes this a failure)`;
}
