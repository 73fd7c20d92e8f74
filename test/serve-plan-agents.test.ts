// A plan under `barge serve --no-local-agent`: the endpoints are on the agents' hosts (the
// configured paths exist nowhere on this one), so live agents list both sides over the data
// plane; the plan counts what is not up to date and stores nothing. Real processes and TCP.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import type { RequestPlan } from '../src/core/request-types.js';
import { coordinatedConfig, startCoordinatedAgent } from './helpers/coordinated-agents.js';
import type { BargeProcess } from './helpers/run-cli.js';
import { startService, stopService, type Service } from './helpers/service.js';

const top = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-plan-agents-'));
after(() => fs.rmSync(top, { recursive: true, force: true }));

async function enrolled(svc: Service, names: string[]): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const r = await svc.api<{ items: { name: string }[] }>('GET', '/api/agents');
    if (names.every((n) => r.body.items.some((a) => a.name === n))) return;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  throw new Error(`agents ${names.join(', ')} did not enrol`);
}

test('without a built-in agent, agents list both sides: files and bytes not up to date, nothing stored', async () => {
  const panda = path.join(top, 'host-a/panda');
  const badger = path.join(top, 'host-b/badger');
  let bytes = 0;
  for (let i = 0; i < 30; i++) {
    const rel = `d${i % 3}/f${i}`;
    fs.mkdirSync(path.join(panda, path.dirname(rel)), { recursive: true });
    fs.writeFileSync(path.join(panda, rel), Buffer.alloc(500 + i, i));
    fs.utimesSync(path.join(panda, rel), 1_700_000_000, 1_700_000_000);
    if (i < 10) {
      // up to date at the destination
      fs.mkdirSync(path.join(badger, 'copy', path.dirname(rel)), { recursive: true });
      fs.copyFileSync(path.join(panda, rel), path.join(badger, 'copy', rel));
      fs.utimesSync(path.join(badger, 'copy', rel), 1_700_000_000, 1_700_000_000);
    } else {
      bytes += 500 + i;
    }
  }
  const svc = await startService(['--config', coordinatedConfig(top), '--state-dir', path.join(top, 'state'), '--no-local-agent']);
  const agents: BargeProcess[] = [];
  try {
    agents.push(await startCoordinatedAgent(svc.url, 'plan-a', 'a', `panda=${panda}`));
    agents.push(await startCoordinatedAgent(svc.url, 'plan-b', 'b', `badger=${badger}:rw`));
    await enrolled(svc, ['plan-a', 'plan-b']);
    const res = await svc.api<RequestPlan>('POST', '/api/requests?dryRun=1&rate=1000', { source: 'panda:/', destination: 'badger:/copy' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.files, { found: 30, toCopy: 20, upToDate: 10, failed: 0 });
    assert.equal(res.body.bytes.toCopy, bytes);
    assert.deepEqual([res.body.tape, res.body.transfer.seconds], [null, bytes / 1000]);
    const fresh = await svc.api<RequestPlan>('POST', '/api/requests?dryRun=1', { source: 'panda:/d1', destination: 'badger:/fresh' });
    assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
    assert.deepEqual(fresh.body.files, { found: 10, toCopy: 10, upToDate: 0, failed: 0 }, 'a destination not there yet takes every file');
    assert.equal(fs.existsSync(path.join(badger, 'fresh')), false);
    assert.equal((await svc.api<{ total: number }>('GET', '/api/requests')).body.total, 0);
  } finally {
    for (const a of agents) { a.kill('SIGTERM'); await a.done; }
    await stopService(svc);
  }
});
