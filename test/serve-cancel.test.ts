// Cancel a request while its tasks run in the built-in agent's threads, then retry it:
// the retry must not inherit the canceled run's stop flag, and must end identical.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { runBarge } from './helpers/run-cli.js';
import { ADMIN_SECRET, leftovers, makeSmallTree, startService, stopService, writeServiceConfig } from './helpers/service.js';
import { diffTrees } from './helpers/tree-diff.js';

interface View { state: string; files: { copied: number } }

test('cancel mid-transfer, then retry: the retried request finishes and the tree is identical', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-cancel-'));
  const src = path.join(dir, 'src');
  const dst = path.join(dir, 'dst');
  makeSmallTree(src, 20, 100);
  for (let i = 0; i < 4; i++) fs.writeFileSync(path.join(src, `big${i}`), Buffer.alloc(48 * 1024 * 1024, i + 1));
  fs.mkdirSync(dst);
  const s = await startService(['--config', writeServiceConfig(dir, src, dst), '--db', 'memory', '--transfers', '2'], { env: { BARGE_TEST_TASK_DELAY_MS: '400' } });
  const client = (args: string[]): ReturnType<typeof runBarge> => runBarge([...args, '--server', s.url], { env: { BARGE_TOKEN: ADMIN_SECRET }, timeoutMs: 120_000 });
  try {
    const sub = await client(['submit', 'src:/', 'dst:/']);
    assert.equal(sub.code, 0, sub.stderr);
    const id = sub.stdout.trim();
    for (let i = 0; i < 2000; i++) {
      if ((await s.api<View>('GET', `/api/requests/${id}`)).body.files.copied > 0) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const canceled = await s.api<View>('POST', `/api/requests/${id}/cancel`);
    assert.equal(canceled.status, 200, JSON.stringify(canceled.body));
    assert.equal(canceled.body.state, 'canceled');
    assert.equal((await client(['cancel', id])).code, 1, 'a second cancel is refused (409)');
    const watchCanceled = await client(['watch', id]);
    assert.equal(watchCanceled.code, 1, 'watch of a canceled request exits 1');
    assert.equal((await client(['retry', id])).code, 0);
    const w = await client(['watch', id]);
    assert.equal(w.code, 0, w.stderr);
    assert.deepEqual(diffTrees(src, dst), []);
    await stopService(s);
    assert.deepEqual(leftovers(dst), [], 'no temporary file left after the service stopped');
  } finally {
    await stopService(s);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
