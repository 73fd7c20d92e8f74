// The database goes away under a running coordinator: every connection barge holds to
// PostgreSQL is cut by the server (pg_terminate_backend: the error a restart or a
// failover gives, 57P01) again and again while a request runs. The coordinator must not
// die, and the request must finish, identical, once the database answers again.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import pg from 'pg';
import { createTestDatabase, pgSkipReason, PG_ADMIN_URL, type TestDatabase } from './helpers/postgres-db.js';
import { runBarge } from './helpers/run-cli.js';
import { ADMIN_SECRET, makeSmallTree, startService, stopService, writeServiceConfig } from './helpers/service.js';
import { diffTrees } from './helpers/tree-diff.js';

const db: TestDatabase | undefined = await createTestDatabase('outage');
const skip = db ? undefined : pgSkipReason();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-outage-'));
after(async () => {
  await db?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** cuts every connection to the test database but this one; how many it cut */
async function cutConnections(admin: pg.Client, name: string): Promise<number> {
  const r = await admin.query<{ n: string }>('SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
  return Number(r.rows[0]?.n ?? 0);
}

test('connections cut under a running request: the coordinator lives on and the request finishes, identical', { skip }, async () => {
  const src = path.join(dir, 'src');
  const dst = path.join(dir, 'dst');
  makeSmallTree(src, 20, 50);
  fs.mkdirSync(dst);
  const url = (db as TestDatabase).url;
  const name = new URL(url).pathname.slice(1);
  const svc = await startService(['--config', writeServiceConfig(dir, src, dst), '--db', url, '--transfers', '2'], { env: { BARGE_TEST_TASK_DELAY_MS: '20' } });
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    const env = { BARGE_TOKEN: ADMIN_SECRET };
    const sub = await runBarge(['submit', 'src:/', 'dst:/', '--server', svc.url], { env });
    assert.equal(sub.code, 0, sub.stderr);
    let cut = 0;
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 300));
      cut += await cutConnections(admin, name);
    }
    assert.ok(cut > 0, 'connections were cut');
    assert.equal(svc.proc.exitCode, null, `the coordinator is alive: ${svc.proc.output().stderr}`);
    const w = await runBarge(['watch', sub.stdout.trim(), '--server', svc.url], { env, timeoutMs: 300_000 });
    assert.equal(w.code, 0, w.stdout + w.stderr + svc.proc.output().stderr);
    assert.deepEqual(diffTrees(src, dst), []);
  } finally {
    await admin.end();
    await stopService(svc);
  }
});
