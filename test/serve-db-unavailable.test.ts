// The API while the database refuses the coordinator (here: the database takes no
// connections at all, as when PostgreSQL is down): /healthz and every route that
// needs the database answer 503 E_UNAVAILABLE, not 500; once it takes connections again,
// 200 (/healthz a few seconds later). Real process, real PostgreSQL.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import pg from 'pg';
import { createTestDatabase, pgSkipReason, PG_ADMIN_URL, type TestDatabase } from './helpers/postgres-db.js';
import { waitUntilAsync } from './helpers/run-cli.js';
import { ADMIN_SECRET, startService, stopService, writeServiceConfig } from './helpers/service.js';

const db: TestDatabase | undefined = await createTestDatabase('unavail');
const skip = db ? undefined : pgSkipReason();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-unavail-'));
after(async () => {
  await db?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('while the database takes no connections the API answers 503 E_UNAVAILABLE, and 200 again after', { skip }, async () => {
  fs.mkdirSync(path.join(dir, 'src'));
  fs.mkdirSync(path.join(dir, 'dst'));
  const url = (db as TestDatabase).url;
  const name = new URL(url).pathname.slice(1);
  const svc = await startService(['--config', writeServiceConfig(dir, path.join(dir, 'src'), path.join(dir, 'dst')), '--db', url]);
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  const get = async (p: string): Promise<{ status: number; code: string | undefined }> => {
    const r = await fetch(`${svc.url}${p}`, { headers: { authorization: `Bearer ${ADMIN_SECRET}` } });
    const body = await r.json() as { error?: { code?: string } };
    return { status: r.status, code: body.error?.code };
  };
  try {
    assert.equal((await get('/api/requests')).status, 200);
    await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
    assert.deepEqual(await get('/api/requests'), { status: 503, code: 'E_UNAVAILABLE' });
    assert.equal((await fetch(`${svc.url}/healthz`)).status, 503);
    assert.equal(svc.proc.exitCode, null, 'the coordinator is alive');
    await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
    assert.equal((await get('/api/requests')).status, 200);
    // /healthz stays 503 a few seconds after the last failure it saw (the database may be flapping)
    await waitUntilAsync(async () => (await fetch(`${svc.url}/healthz`)).status === 200, 15_000);
  } finally {
    await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`).catch(() => undefined);
    await admin.end();
    await stopService(svc);
  }
});
