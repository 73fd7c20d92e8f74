// A request's priority changed through a real `barge serve` with `barge priority`: the view
// shows it, the audit trail keeps who set it and to what; a read token, a number out of
// range and a finished request are refused.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { runBarge, type RunResult } from './helpers/run-cli.js';
import { ADMIN_SECRET, READ_SECRET, startService, stopService, writeServiceConfig } from './helpers/service.js';

interface Audit { items: { actor: string; action: string; detail: string | null }[] }

test('barge priority ID N: changed, audited; refused for a read token, out of range, or once the request ended', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-priority-'));
  const [src, dst] = [path.join(dir, 'src'), path.join(dir, 'dst')];
  fs.mkdirSync(src);
  fs.mkdirSync(dst);
  fs.writeFileSync(path.join(src, 'a.txt'), 'a');
  // no agent: the request stays open
  const s = await startService(['--config', writeServiceConfig(dir, src, dst), '--db', 'memory', '--no-local-agent']);
  const as = (secret: string) => (args: string[]): Promise<RunResult> => runBarge([...args, '--server', s.url], { env: { BARGE_TOKEN: secret }, timeoutMs: 60_000 });
  const [ops, viewer] = [as(ADMIN_SECRET), as(READ_SECRET)];
  try {
    const sub = await ops(['submit', 'src:/', 'dst:/copy', '--priority', '3']);
    assert.equal(sub.code, 0, sub.stderr);
    const id = sub.stdout.trim();
    const set = await ops(['priority', id, '9']);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, new RegExp(`^${id} priority 9 \\(state: \\w+\\)$`, 'm'));
    assert.equal((await s.api<{ priority: number }>('GET', `/api/requests/${id}`)).body.priority, 9);
    const refused = await viewer(['priority', id, '2']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /403/);
    const range = await ops(['priority', id, '11']);
    assert.equal(range.code, 2, 'a usage error');
    assert.match(range.stderr, /bad --priority '11'/);
    assert.equal((await ops(['cancel', id])).code, 0);
    const ended = await ops(['priority', id, '4']);
    assert.equal(ended.code, 1);
    assert.match(ended.stderr, /cannot change the priority of a request that is canceled/);
    const audit = await s.api<Audit>('GET', `/api/requests/${id}/audit`);
    assert.deepEqual(audit.body.items.map((e) => [e.actor, e.action, e.detail]), [['ops', 'submit', null], ['ops', 'priority', '9'], ['ops', 'cancel', null]]);
  } finally {
    await stopService(s);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
