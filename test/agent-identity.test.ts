// Agent names are identities: a second `barge agent` under a name a live agent holds is
// refused (it would take that agent's leases), a restart after kill -9 gets its name back
// once the lease timeout has passed, and no agent may take a built-in agent's NAME/local.
// Real processes over HTTP; `barge serve` on the in-memory store with a 2 s lease timeout.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { startBarge, waitUntil, type BargeProcess } from './helpers/run-cli.js';
import { startService, stopService, writeServiceConfig, type Service } from './helpers/service.js';

const AGENT_SECRET = 'test-agent-secret-0123456789abcd';
interface AgentRow { id: string; name: string; startedAt: string }

let dir = '';
let svc: Service;
const started: BargeProcess[] = [];

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-agent-id-'));
  const src = path.join(dir, 'src');
  const dst = path.join(dir, 'dst');
  fs.mkdirSync(src);
  fs.mkdirSync(dst);
  const config = writeServiceConfig(dir, src, dst, ['[[tokens]]', 'name = "agents"', `secret = "${AGENT_SECRET}"`, 'role = "agent"'].join('\n'));
  svc = await startService(['--config', config, '--db', 'memory', '--lease-timeout', '2s', '--name', 'coord-id']);
});
after(async () => {
  for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill('SIGTERM');
  await Promise.all(started.map((p) => p.done));
  await stopService(svc);
  fs.rmSync(dir, { recursive: true, force: true });
});

function agent(name: string): BargeProcess {
  const p = startBarge(['agent', '--coordinator', svc.url, '--name', name, '--site', 'here', '--endpoint', `src=${path.join(dir, 'src')}`,
    '--data-listen', '127.0.0.1:0', '--transfers', '1'], { env: { BARGE_TOKEN: AGENT_SECRET }, timeoutMs: 120_000 });
  started.push(p);
  return p;
}

async function enrolled(p: BargeProcess): Promise<void> {
  await waitUntil(() => {
    if (p.exitCode !== null) throw new Error(`the agent exited: ${p.output().stderr}`);
    return /listening on/.test(p.output().stderr);
  }, 30_000);
}

async function agents(): Promise<AgentRow[]> {
  return (await svc.api<{ items: AgentRow[] }>('GET', '/api/agents')).body.items;
}

test('a second agent under a live agent\'s name is refused, naming the name and --name; the first keeps it', async () => {
  const first = agent('twin');
  await enrolled(first);
  const before = (await agents()).find((a) => a.id === 'twin');
  assert.ok(before, 'the first agent is enrolled');
  const second = agent('twin');
  const r = await second.done;
  assert.notEqual(r.code, 0, r.stderr);
  assert.match(r.stderr, /agent name 'twin' is taken by a live agent/);
  assert.match(r.stderr, /its own --name/);
  assert.doesNotMatch(r.stderr, /listening on/);
  assert.equal(first.exitCode, null, 'the first agent runs on');
  assert.equal((await agents()).find((a) => a.id === 'twin')?.startedAt, before.startedAt, 'its row is the first agent\'s still');
});

test('after kill -9, the same agent started again gets its name back once the lease timeout has passed', async () => {
  const first = agent('phoenix');
  await enrolled(first);
  const was = (await agents()).find((a) => a.id === 'phoenix');
  first.kill('SIGKILL');
  await first.done;
  const again = agent('phoenix');
  await enrolled(again);
  assert.match(again.output().stderr, /enrolled with .* as phoenix/);
  const now = (await agents()).find((a) => a.id === 'phoenix');
  assert.ok(was && now && now.startedAt > was.startedAt, 'the row is the new process\'s');
});

test("an agent may not enrol under a coordinator's built-in agent's name", async () => {
  assert.ok((await agents()).some((a) => a.id === 'coord-id/local'), 'the built-in agent is enrolled');
  for (const name of ['coord-id/local', 'other-coord/local']) {
    const r = await agent(name).done;
    assert.notEqual(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`agent name '${name}' is kept for a coordinator's built-in agent`));
    assert.match(r.stderr, /another --name/);
  }
  assert.ok((await agents()).some((a) => a.id === 'coord-id/local'), 'the built-in agent keeps its row');
});
