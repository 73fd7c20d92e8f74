// The file system of the SQLite state folder fills up under a running request, then is freed
// (a small tmpfs, filled by a file): the coordinator must not die, /healthz must say 503
// while the database cannot be written, and the request must finish, identical, once there
// is room again, without waiting for a lease to run out; meanwhile it logs a few lines, not
// many a second. Needs root to mount the tmpfs; under CI it fails rather than skips.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { runBarge, waitUntil, waitUntilAsync } from './helpers/run-cli.js';
import { ADMIN_SECRET, makeSmallTree, startService, stopService, writeServiceConfig } from './helpers/service.js';
import { diffTrees } from './helpers/tree-diff.js';
import { logRecords } from './helpers/log-records.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-sqlite-full-'));
const state = path.join(dir, 'state');
fs.mkdirSync(state);

function mountSmallTmpfs(): string | undefined {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=6m,mode=0700', 'barge-test-full', state], { stdio: 'pipe' });
    return undefined;
  } catch (e) {
    return `cannot mount a tmpfs (needs root): ${(e as Error).message.split('\n')[0]}`;
  }
}
const cannot = mountSmallTmpfs();
const skip = cannot !== undefined && process.env.CI !== 'true' ? cannot : undefined;
after(() => {
  if (cannot === undefined) execFileSync('umount', [state]);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** fills the file system of `where` to the last block with one file; its path */
function fill(where: string): string {
  const filler = path.join(where, 'filler');
  const fd = fs.openSync(filler, 'w');
  const block = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) fs.writeSync(fd, block);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  }
  for (const size of [4096, 512, 1]) {
    try { for (;;) fs.writeSync(fd, block.subarray(0, size)); } catch { /* full at this size too */ }
  }
  fs.closeSync(fd);
  return filler;
}

test('the SQLite state folder fills up under a running request, then is freed: 503 while full, and the request finishes, identical', { skip }, async () => {
  assert.equal(cannot, undefined, cannot);
  const src = path.join(dir, 'src');
  const dst = path.join(dir, 'dst');
  makeSmallTree(src, 40, 50);
  fs.mkdirSync(dst);
  const svc = await startService(['--config', writeServiceConfig(dir, src, dst), '--state-dir', state, '--transfers', '2', '--lease-timeout', '20m'], { env: { BARGE_TEST_TASK_DELAY_MS: '200' } });
  const env = { BARGE_TOKEN: ADMIN_SECRET };
  try {
    const sub = await runBarge(['submit', 'src:/', 'dst:/', '--server', svc.url], { env });
    assert.equal(sub.code, 0, sub.stderr);
    const id = sub.stdout.trim();
    await waitUntil(() => fs.readdirSync(dst).length > 3, 60_000, 50);
    const logBefore = svc.proc.output().stderr.length;
    const filler = fill(state);
    // the database cannot grow now: /healthz says so within a few seconds
    await waitUntilAsync(async () => (await fetch(`${svc.url}/healthz`)).status === 503, 30_000);
    const h = await (await fetch(`${svc.url}/healthz`)).json() as { message?: string };
    assert.match(h.message ?? '', /file system is full/);
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(svc.proc.exitCode, null, `the coordinator is alive: ${svc.proc.output().stderr.slice(-2000)}`);
    // the loops that fail while the disk is full say so a few times, not many times a second
    const whileFull = logRecords(svc.proc.output().stderr.slice(logBefore));
    assert.ok(whileFull.some((x) => /database or disk is full/.test(x.msg)), svc.proc.output().stderr.slice(logBefore));
    assert.ok(whileFull.length <= 20, `${whileFull.length} lines while full:\n${whileFull.map((x) => x.msg).join('\n')}`);
    fs.rmSync(filler);
    // a report lost while the disk was full would wait for its lease (20 min) to run out: the watch would time out
    const w = await runBarge(['watch', id, '--server', svc.url], { env, timeoutMs: 180_000 });
    assert.equal(w.code, 0, w.stdout + w.stderr + svc.proc.output().stderr.slice(-3000));
    assert.deepEqual(diffTrees(src, dst), []);
    await waitUntilAsync(async () => (await fetch(`${svc.url}/healthz`)).status === 200, 15_000);
  } finally {
    await stopService(svc);
  }
});
