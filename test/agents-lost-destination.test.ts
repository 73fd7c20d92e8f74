// A destination agent lost mid-request (kill -9, never restarted) under a coordinator on
// PostgreSQL: the pushes bound for it fail E_NETWORK, and the coordinator stops placing
// work on it from the first such report, so the other destination agent at that site
// receives the rest and the request succeeds, identical. Real processes, real TCP.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { patternBytes } from './helpers/odd-tree.js';
import { createTestDatabase, pgSkipReason, type TestDatabase } from './helpers/postgres-db.js';
import { runBarge, waitUntil } from './helpers/run-cli.js';
import { ADMIN_SECRET, makeSmallTree, startService, stopService } from './helpers/service.js';
import { diffTrees } from './helpers/tree-diff.js';
import { coordinatedConfig, startCoordinatedAgent } from './helpers/coordinated-agents.js';

const db: TestDatabase | undefined = await createTestDatabase('lostdst');
const skip = db ? undefined : pgSkipReason();
let work: string;

before(() => { work = mkdtempSync(join(tmpdir(), 'barge-lostdst-')); });
after(async () => {
  await db?.drop();
  rmSync(work, { recursive: true, force: true });
});


function countFiles(dir: string): number {
  let n = 0;
  try {
    for (const e of readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? countFiles(join(dir, e.name)) : 1;
  } catch { /* not there yet */ }
  return n;
}

test('a destination agent killed with kill -9 mid-request and not restarted: the other destination agent receives the rest; identical', { skip }, async () => {
  const dir = join(work, 'kill-dst');
  const [panda, badger] = [join(dir, 'a/panda'), join(dir, 'b/badger')];
  makeSmallTree(panda, 30, 40); // 1,200 files: the agent dies with most of them still to come
  mkdirSync(join(panda, 'big'), { recursive: true });
  writeFileSync(join(panda, 'big/huge.bin'), patternBytes('huge', 24 << 20));
  mkdirSync(badger, { recursive: true });
  // the default lease timeout: a dead agent is taken for live this long after its last heartbeat
  const svc = await startService(['--config', coordinatedConfig(dir), '--db', (db as TestDatabase).url, '--no-local-agent', '--name', 'coord-lost'],
    { env: { BARGE_TEST_CHUNK_CUTOFF: String(4 << 20) } });
  const a1 = await startCoordinatedAgent(svc.url, 'l-a1', 'a', `panda=${panda}`, { BARGE_TEST_TASK_DELAY_MS: '50' });
  const b1 = await startCoordinatedAgent(svc.url, 'l-b1', 'b', `badger=${badger}`);
  const b2 = await startCoordinatedAgent(svc.url, 'l-b2', 'b', `badger=${badger}`);
  try {
    const env = { BARGE_TOKEN: ADMIN_SECRET };
    const sub = await runBarge(['submit', '--server', svc.url, 'panda:/', 'badger:/copy'], { env });
    assert.equal(sub.code, 0, sub.stderr);
    await waitUntil(() => countFiles(join(badger, 'copy')) >= 200 && /session /.test(b1.output().stderr), 120_000);
    b1.kill('SIGKILL');
    const w = await runBarge(['watch', '--server', svc.url, sub.stdout.trim()], { env, timeoutMs: 300_000 });
    assert.equal(w.code, 0, w.stdout + w.stderr);
    assert.deepEqual(diffTrees(panda, join(badger, 'copy')), []);
  } finally {
    for (const a of [a1, b1, b2]) if (a.exitCode === null && a.signalCode === null) a.kill('SIGTERM');
    await Promise.all([a1.done, b1.done, b2.done]);
    await stopService(svc);
  }
});
