// `barge watch` while its coordinator is away (killed, its port held by a listener that
// accepts and drops each connection, as a restarting proxy would): it asks less and less
// often (backoff from its poll interval), not every 500 ms, and finishes once the
// coordinator is back. Real processes, real TCP.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createServer } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './helpers/log-records.js';
import { startBarge, waitUntil } from './helpers/run-cli.js';
import { ADMIN_SECRET, makeSmallTree, startService, stopService, writeServiceConfig } from './helpers/service.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-watch-backoff-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('watch backs off while the coordinator is away and finishes once it is back', async () => {
  const src = path.join(dir, 'src');
  const dst = path.join(dir, 'dst');
  fs.mkdirSync(dst);
  makeSmallTree(src, 6, 4);
  const port = await freePort();
  const args = ['--config', writeServiceConfig(dir, src, dst), '--state-dir', path.join(dir, 'state'), '--listen', `127.0.0.1:${port}`, '--transfers', '2'];
  const env = { BARGE_TEST_TASK_DELAY_MS: '1500' };
  const first = await startService(args, { env });
  const sub = await first.api<{ id: string }>('POST', '/api/requests', { source: 'src:/', destination: 'dst:/' });
  assert.equal(sub.status, 201);
  const watch = startBarge(['watch', sub.body.id, '--server', first.url], { env: { BARGE_TOKEN: ADMIN_SECRET }, timeoutMs: 300_000 });
  // its first line is drawn once it has the request: a watch that cannot reach the coordinator at all ends at once
  await waitUntil(() => watch.output().stderr !== '', 30_000);
  first.proc.kill('SIGKILL');
  await first.proc.done;

  // the port answers but drops every connection: each try of the watch is one connection
  let tries = 0;
  const dropper = createServer((s) => { tries++; s.destroy(); });
  await new Promise<void>((res) => dropper.listen(port, '127.0.0.1', res));
  await sleep(6_000);
  await new Promise<void>((res) => dropper.close(() => res()));
  assert.ok(tries >= 2, `the watch kept trying: ${tries}`);
  assert.ok(tries <= 8, `${tries} tries in 6 s: it backs off rather than polling every 500 ms`);
  assert.equal(watch.exitCode, null, watch.output().stderr);

  const second = await startService(args, { env });
  try {
    const r = await watch.done;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /succeeded/);
  } finally {
    await stopService(second);
  }
});
