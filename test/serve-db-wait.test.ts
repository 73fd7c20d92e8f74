// `barge serve` started while its PostgreSQL database takes no connections waits for it,
// saying what it waits for (a few lines, not one per try), and serves once the database
// takes connections again; SIGINT ends the wait (exit 130, one line); a database that does
// not exist is not waited for (exit 2, one line). Real processes, real PostgreSQL.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import pg from 'pg';
import { logRecords } from './helpers/log-records.js';
import { createTestDatabase, pgSkipReason, PG_ADMIN_URL, type TestDatabase } from './helpers/postgres-db.js';
import { runBarge, startBarge, waitUntil } from './helpers/run-cli.js';
import { ADMIN_SECRET, writeServiceConfig } from './helpers/service.js';

const db: TestDatabase | undefined = await createTestDatabase('dbwait');
const skip = db ? undefined : pgSkipReason();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-dbwait-'));
after(async () => {
  await db?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function allowConnections(name: string, allow: boolean): Promise<void> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS ${allow ? 'true' : 'false'}`);
  } finally { await admin.end(); }
}

test('serve waits for a database that takes no connections, and serves once it does', { skip }, async () => {
  fs.mkdirSync(path.join(dir, 'src'));
  fs.mkdirSync(path.join(dir, 'dst'));
  const config = writeServiceConfig(dir, path.join(dir, 'src'), path.join(dir, 'dst'));
  const url = (db as TestDatabase).url;
  const name = new URL(url).pathname.slice(1);
  await allowConnections(name, false);
  try {
    const waiting = (stderr: string): number => logRecords(stderr).filter((r) => /^waiting for the database \(PostgreSQL /.test(r.msg)).length;

    // SIGINT while it waits: one line, exit 130
    const interrupted = startBarge(['serve', '--config', config, '--db', url, '--listen', '127.0.0.1:0'], { timeoutMs: 120_000 });
    await waitUntil(() => waiting(interrupted.output().stderr) >= 1, 60_000);
    const before = interrupted.output().stderr;
    interrupted.kill('SIGINT');
    const r = await interrupted.done;
    assert.equal(r.code, 130, r.stderr);
    const last = logRecords(r.stderr.slice(before.length));
    assert.equal(last.length, 1, r.stderr);
    assert.match(last[0]?.msg ?? '', /^interrupted while waiting for the database \(PostgreSQL postgres:\/\//);

    const svc = startBarge(['serve', '--config', config, '--db', url, '--listen', '127.0.0.1:0'], { timeoutMs: 120_000 });
    try {
      await waitUntil(() => waiting(svc.output().stderr) >= 2, 60_000);
      const records = logRecords(svc.output().stderr);
      const first = records.find((x) => /^waiting for the database/.test(x.msg));
      assert.equal(first?.level, 40);
      assert.match(first?.msg ?? '', /is not currently accepting connections/);
      assert.equal(svc.exitCode, null, 'it waits rather than exits');
      assert.ok(!/listening on/.test(svc.output().stderr));

      await allowConnections(name, true);
      let api = '';
      await waitUntil(() => {
        api = /listening on (http:\/\/[^\s;]+)/.exec(svc.output().stderr)?.[1] ?? '';
        return api !== '';
      }, 60_000);
      assert.ok(logRecords(svc.output().stderr).some((x) => x.level === 30 && /^the database answers after [\d.]+ s$/.test(x.msg)), svc.output().stderr);
      const res = await fetch(`${api}/api/requests`, { headers: { authorization: `Bearer ${ADMIN_SECRET}` } });
      assert.equal(res.status, 200);
      // a few lines in all, not one per try
      assert.ok(waiting(svc.output().stderr) <= 8, svc.output().stderr);
    } finally {
      if (svc.exitCode === null) svc.kill('SIGTERM');
      await svc.done;
    }
  } finally {
    await allowConnections(name, true).catch(() => undefined);
  }
});

test('a database that does not exist is not waited for: one line, exit 2', { skip }, async () => {
  const u = new URL((db as TestDatabase).url);
  u.pathname = '/barge_no_such_database_here';
  const r = await runBarge(['serve', '--db', u.toString(), '--listen', '127.0.0.1:0', '--state-dir', path.join(dir, 'state')], { timeoutMs: 60_000 });
  assert.equal(r.code, 2, r.stderr);
  const lines = logRecords(r.stderr);
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]?.msg ?? '', /cannot open the database: database "barge_no_such_database_here" does not exist/);
});
