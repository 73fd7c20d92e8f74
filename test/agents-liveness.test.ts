// Agent liveness through real processes: `barge serve` on PostgreSQL with a 2 s lease
// timeout and two `barge agent --coordinator`. One killed with SIGKILL shows as lost in
// /api/agents and `barge agents` once its lease time passed, the other stays alive; a second
// coordinator on the same database with a tiny --agent-prune removes the lost one's row
// (and only it); the live agent's /healthz is 200 while its coordinator answers, 503 once
// it has not for its lease time; pruned meanwhile, it enrols again when its coordinator returns.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { AGENT_PROTOCOL } from '../src/core/agent-wire.js';
import { BARGE_VERSION } from '../src/cli/barge-version.js';
import { createTestDatabase, pgSkipReason, type TestDatabase } from './helpers/postgres-db.js';
import { runBarge, waitUntil, waitUntilAsync, type BargeProcess } from './helpers/run-cli.js';
import { ADMIN_SECRET, startService, stopService, type Service } from './helpers/service.js';
import { coordinatedConfig, startCoordinatedAgent } from './helpers/coordinated-agents.js';

const db: TestDatabase | undefined = await createTestDatabase('liveness');
const skip = db ? undefined : pgSkipReason();
const work = mkdtempSync(join(tmpdir(), 'barge-liveness-'));
after(async () => {
  await db?.drop();
  rmSync(work, { recursive: true, force: true });
});

interface AgentItem { name: string; state: string; lastSeen: string; lostSince?: string; dataAddress?: string; slots: number; running: number; version?: string; protocol?: number }

async function agentsOf(svc: Service): Promise<Map<string, AgentItem>> {
  const r = await svc.api<{ items: AgentItem[] }>('GET', '/api/agents');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return new Map(r.body.items.map((a) => [a.name, a]));
}

async function healthOf(agent: BargeProcess): Promise<{ status: number; body: { ok: boolean; coordinator: string; message?: string } }> {
  const url = /metrics at (http:\/\/\S+)\/metrics/.exec(agent.output().stderr)?.[1];
  assert.ok(url, 'the agent says where its metrics are');
  const res = await fetch(`${url}/healthz`);
  return { status: res.status, body: await res.json() as { ok: boolean; coordinator: string; message?: string } };
}

test('a killed agent is lost after the lease timeout and later pruned; a live one stays alive; /healthz follows the coordinator', { skip }, async () => {
  const url = (db as TestDatabase).url;
  const config = coordinatedConfig(work);
  for (const d of ['a/panda', 'b/badger']) mkdirSync(join(work, d), { recursive: true });
  const svc = await startService(['--config', config, '--db', url, '--no-local-agent', '--lease-timeout', '2s', '--name', 'coord-1']);
  let second: Service | undefined;
  let back: Service | undefined;
  const agents: BargeProcess[] = [];
  try {
    const steady = await startCoordinatedAgent(svc.url, 'steady', 'a', `panda=${join(work, 'a/panda')}`);
    agents.push(steady);
    const doomed = await startCoordinatedAgent(svc.url, 'doomed', 'b', `badger=${join(work, 'b/badger')}:rw`);
    agents.push(doomed);
    await waitUntilAsync(async () => {
      const a = await agentsOf(svc);
      return a.get('steady')?.state === 'alive' && a.get('doomed')?.state === 'alive';
    });
    const fresh = await healthOf(steady);
    assert.deepEqual(fresh, { status: 200, body: { ok: true, coordinator: 'reachable' } });

    doomed.kill('SIGKILL');
    await waitUntilAsync(async () => (await agentsOf(svc)).get('doomed')?.state === 'lost', 30_000, 100);
    const seen = await agentsOf(svc);
    const lost = seen.get('doomed') as AgentItem;
    assert.ok(lost.lostSince, 'a lost agent says since when');
    assert.equal(Date.parse(lost.lostSince) - Date.parse(lost.lastSeen), 2000, 'lost when its lease time ran out after it was last heard');
    assert.equal(seen.get('steady')?.state, 'alive');
    assert.equal(seen.get('steady')?.lostSince, undefined);
    assert.match(seen.get('steady')?.dataAddress ?? '', /^127\.0\.0\.1:\d+$/);

    const env = { BARGE_TOKEN: ADMIN_SECRET };
    const table = await runBarge(['agents', '--server', svc.url], { env });
    assert.equal(table.code, 0, table.stderr);
    const rows = table.stdout.trim().split('\n');
    assert.match(rows[0] ?? '', /^NAME +SITE +STATE +LAST-SEEN +RUNNING\/SLOTS +ENDPOINTS +DATA-ADDRESS +VERSION$/);
    assert.match(rows.find((l) => l.startsWith('doomed ')) ?? '', /^doomed +b +lost \(.+ ago\) +\S+ ago +0\/4 +badger +127\.0\.0\.1:\d+ +\d+\.\d+\.\d+\S*$/);
    assert.match(rows.find((l) => l.startsWith('steady ')) ?? '', /^steady +a +alive +\S+ ago +\d+\/4 +panda +127\.0\.0\.1:\d+ +\d+\.\d+\.\d+\S*$/);
    const json = JSON.parse((await runBarge(['agents', '--server', svc.url, '--json'], { env })).stdout) as { items: AgentItem[] };
    assert.deepEqual(json.items.map((a) => [a.name, a.state]).sort(), [['doomed', 'lost'], ['steady', 'alive']]);
    assert.deepEqual(json.items.map((a) => [a.version, a.protocol]), [[BARGE_VERSION, AGENT_PROTOCOL], [BARGE_VERSION, AGENT_PROTOCOL]], 'the build each enrolled with');

    // a second coordinator on the same database prunes agents lost for over a second: the
    // dead one goes, the live one (heard from by the first coordinator all along) stays
    second = await startService(['--config', config, '--db', url, '--no-local-agent', '--lease-timeout', '2s', '--agent-prune', '1s', '--name', 'coord-2']);
    await waitUntilAsync(async () => !(await agentsOf(svc)).has('doomed'), 30_000);
    assert.equal((await agentsOf(svc)).get('steady')?.state, 'alive', 'the live agent is never pruned');
    assert.equal((await agentsOf(second)).has('doomed'), false);

    // its coordinator stops: /healthz turns 503, and the pruning coordinator removes its row too
    await stopService(svc);
    await waitUntilAsync(async () => (await healthOf(steady)).status === 503, 30_000);
    const stale = await healthOf(steady);
    assert.equal(stale.body.ok, false);
    assert.equal(stale.body.coordinator, 'unreachable');
    assert.match(stale.body.message ?? '', /no answer from http:\/\/127\.0\.0\.1:\d+ for \d+ s \(lease time 2 s\)/);
    await waitUntilAsync(async () => !(await agentsOf(second as Service)).has('steady'), 30_000);

    // the coordinator comes back at its address: the agent it no longer knows enrols again
    const port = new URL(svc.url).port;
    back = await startService(['--config', config, '--db', url, '--no-local-agent', '--lease-timeout', '2s', '--name', 'coord-1', '--listen', `127.0.0.1:${port}`]);
    await waitUntilAsync(async () => (await agentsOf(back as Service)).get('steady')?.state === 'alive', 30_000);
    // the row is committed before the agent has its answer and logs it: wait for the line
    await waitUntil(() => /enrolled again with .* as steady/.test(steady.output().stderr), 10_000);
    await waitUntilAsync(async () => (await healthOf(steady)).status === 200, 30_000);
    assert.deepEqual((await healthOf(steady)).body, { ok: true, coordinator: 'reachable' });
  } finally {
    for (const a of agents) if (a.exitCode === null && a.signalCode === null) a.kill('SIGTERM');
    await Promise.all(agents.map((a) => a.done));
    if (back) await stopService(back);
    if (second) await stopService(second);
    await stopService(svc);
  }
});
