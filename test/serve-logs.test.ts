// What `barge serve` logs for an operator: a request's life (submitted by whom, what from
// where to where, running, succeeded), refused credentials (at warn, with the route and the
// token's name when it is known, never a secret), and JSON lines that parse off a terminal.
// Real process, real files.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { logRecords } from './helpers/log-records.js';
import { waitUntil } from './helpers/run-cli.js';
import { ADMIN_SECRET, READ_SECRET, makeSmallTree, startService, stopService, writeServiceConfig } from './helpers/service.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-serve-logs-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const UNKNOWN_SECRET = 'not-a-known-secret-0123456789';

test('serve logs a request from submit to success, and each refused token, as JSON lines', async () => {
  const src = path.join(dir, 'src');
  const dst = path.join(dir, 'dst');
  fs.mkdirSync(dst, { recursive: true });
  makeSmallTree(src, 4, 5);
  // each task held 1.2 s: the request is seen running by the change events (every second)
  const svc = await startService(['--config', writeServiceConfig(dir, src, dst), '--db', 'memory', '--transfers', '2'],
    { env: { BARGE_TEST_TASK_DELAY_MS: '1200' } });
  try {
    const sub = await svc.api<{ id: string }>('POST', '/api/requests', { source: 'src:/', destination: 'dst:/' });
    assert.equal(sub.status, 201, JSON.stringify(sub.body));
    const id = sub.body.id;
    const lines = (): string[] => logRecords(svc.proc.output().stderr).filter((r) => r.request === id).map((r) => r.msg);
    await waitUntil(() => lines().some((m) => m.startsWith(`request ${id} succeeded`)), 60_000);
    const life = lines();
    assert.equal(life[0], `request ${id} submitted by token 'ops': src:/ -> dst:/`, life.join('\n'));
    assert.ok(life.includes(`request ${id} running`), life.join('\n'));
    assert.match(life.at(-1) ?? '', new RegExp(`^request ${id} succeeded: 20 files, [\\d.]+ (B|KiB) copied`));
    assert.equal(life.filter((m) => m.includes('succeeded')).length, 1, 'one line per change, not per progress update');

    // refused: no token, an unknown one, a read token on an admin route
    const call = (method: string, secret?: string): Promise<Response> => fetch(`${svc.url}/api/requests`, {
      method, headers: { ...(secret === undefined ? {} : { authorization: `Bearer ${secret}` }), 'content-type': 'application/json' },
      ...(method === 'POST' ? { body: JSON.stringify({ source: 'src:/', destination: 'dst:/' }) } : {}),
    });
    assert.equal((await call('GET')).status, 401);
    assert.equal((await call('GET', UNKNOWN_SECRET)).status, 401);
    assert.equal((await call('POST', READ_SECRET)).status, 403);
    const refusedLines = (): { level: number; msg: string; route?: unknown; token?: unknown }[] =>
      logRecords(svc.proc.output().stderr).filter((r) => r.msg.startsWith('refused'));
    await waitUntil(() => refusedLines().length >= 3, 10_000);
    const refused = refusedLines();
    assert.ok(refused.every((r) => r.level === 40), JSON.stringify(refused));
    assert.match(refused[0]?.msg ?? '', /^refused GET \/api\/requests from 127\.0\.0\.1: no API token$/);
    assert.match(refused[1]?.msg ?? '', /^refused GET \/api\/requests from 127\.0\.0\.1: unknown API token$/);
    assert.equal(refused[2]?.token, 'viewer');
    assert.equal(refused[2]?.route, 'POST /api/requests');
    assert.match(refused[2]?.msg ?? '', /token 'viewer' is a read token; it needs an admin token/);
    const all = svc.proc.output().stderr;
    for (const secret of [ADMIN_SECRET, READ_SECRET, UNKNOWN_SECRET]) assert.ok(!all.includes(secret), 'no secret is logged');
    // agents' polls and clients' reads are not logged at info
    assert.ok(!logRecords(all).some((r) => /^GET /.test(r.msg)), all);
  } finally {
    await stopService(svc);
  }
});
