// Submit of a source that is not there is refused at once (404 E_NOT_FOUND) naming
// ENDPOINT:/path as given, never the server's own path: with the built-in agent the
// coordinator looks on its host; without it an agent that serves the endpoint looks, and
// when none can, the request is taken and waits. A source that goes away after submit
// fails the request with the same kind of name.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { runBarge, type BargeProcess } from './helpers/run-cli.js';
import { AGENT_SECRET, startCoordinatedAgent } from './helpers/coordinated-agents.js';
import { ADMIN_SECRET, startService, stopService, writeServiceConfig, type Service } from './helpers/service.js';

interface Failure { error: { code: string; message: string } }
interface View { id: string; state: string; message?: string }

let work = '';
before(() => { work = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-missing-src-')); });
after(() => { fs.rmSync(work, { recursive: true, force: true }); });

async function until(svc: Service, id: string, states: string[]): Promise<View> {
  for (let i = 0; i < 600; i++) {
    const v = (await svc.api<View>('GET', `/api/requests/${id}`)).body;
    if (states.includes(v.state)) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`request ${id} never reached ${states.join('/')}`);
}

test('with the built-in agent: 404 naming src:/nope, 400 for a file, and a source gone after submit fails without the host path', async () => {
  const dir = path.join(work, 'local');
  const [src, dst] = [path.join(dir, 'src'), path.join(dir, 'dst')];
  fs.mkdirSync(path.join(src, 'gone'), { recursive: true });
  fs.writeFileSync(path.join(src, 'a-file'), 'x');
  fs.mkdirSync(dst);
  const svc = await startService(['--config', writeServiceConfig(dir, src, dst), '--db', 'memory'], { env: { BARGE_TEST_TASK_DELAY_MS: '1500' } });
  try {
    const missing = await svc.api<Failure>('POST', '/api/requests', { source: 'src:/nope', destination: 'dst:/x' });
    assert.equal(missing.status, 404, JSON.stringify(missing.body));
    assert.equal(missing.body.error.code, 'E_NOT_FOUND');
    assert.match(missing.body.error.message, /src:\/nope/);
    assert.ok(!missing.body.error.message.includes(dir), `no host path: ${missing.body.error.message}`);

    const file = await svc.api<Failure>('POST', '/api/requests', { source: 'src:/a-file', destination: 'dst:/x' });
    assert.equal(file.status, 400, JSON.stringify(file.body));
    assert.match(file.body.error.message, /src:\/a-file' is not a directory/);

    const cli = await runBarge(['submit', 'src:/nope', 'dst:/x', '--server', svc.url], { env: { BARGE_TOKEN: ADMIN_SECRET } });
    assert.equal(cli.code, 1, cli.stderr);
    assert.match(cli.stderr, /src:\/nope/);
    assert.ok(!cli.stderr.includes(dir), cli.stderr);
    assert.equal((await svc.api<{ total: number }>('GET', '/api/requests')).body.total, 0, 'nothing was taken');

    // taken (it is there), then gone before its first task runs (tasks wait 1.5 s here)
    const made = await svc.api<View>('POST', '/api/requests', { source: 'src:/gone', destination: 'dst:/g' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    fs.rmdirSync(path.join(src, 'gone'));
    const failed = await until(svc, made.body.id, ['failed', 'succeeded']);
    assert.equal(failed.state, 'failed');
    const errors = (await svc.api<{ items: { path: string; code: string; message: string }[] }>('GET', `/api/requests/${made.body.id}/errors`)).body.items;
    const said = JSON.stringify([failed, errors]);
    assert.match(said, /the source src:\/gone does not exist/);
    assert.ok(!said.includes(dir), `no host path in the request's view or errors: ${said}`);
  } finally {
    await stopService(svc);
  }
});

test('without the built-in agent: an agent that serves the endpoint looks; with none, the request is taken and waits', async () => {
  const dir = path.join(work, 'agents');
  const panda = path.join(dir, 'agent-a/panda');
  fs.mkdirSync(path.join(panda, 'here'), { recursive: true });
  const file = path.join(dir, 'barge.toml');
  fs.writeFileSync(file, [
    '[endpoints.panda]', `path = ${JSON.stringify(path.join(dir, 'not-on-this-host/panda'))}`, 'write = false', 'site = "a"',
    '[endpoints.badger]', `path = ${JSON.stringify(path.join(dir, 'agent-b/badger'))}`, 'write = true', 'site = "b"',
    '[endpoints.otter]', 'path = "/site-c/otter"', 'write = false', 'site = "c"',
    '[[tokens]]', 'name = "ops"', `secret = "${ADMIN_SECRET}"`, 'role = "admin"',
    '[[tokens]]', 'name = "agents"', `secret = "${AGENT_SECRET}"`, 'role = "agent"',
  ].join('\n') + '\n');
  const svc = await startService(['--config', file, '--db', 'memory', '--no-local-agent']);
  let agent: BargeProcess | undefined;
  try {
    agent = await startCoordinatedAgent(svc.url, 'src-a1', 'a', `panda=${panda}`);
    for (let i = 0; i < 300 && (await svc.api<{ items: unknown[] }>('GET', '/api/agents')).body.items.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    const missing = await svc.api<Failure>('POST', '/api/requests', { source: 'panda:/nope', destination: 'badger:/x' });
    assert.equal(missing.status, 404, JSON.stringify(missing.body));
    assert.equal(missing.body.error.code, 'E_NOT_FOUND');
    assert.match(missing.body.error.message, /panda:\/nope/);
    assert.ok(!missing.body.error.message.includes(dir), missing.body.error.message);
    const there = await svc.api<View>('POST', '/api/requests', { source: 'panda:/here', destination: 'badger:/x' });
    assert.equal(there.status, 201, JSON.stringify(there.body));
    const nobody = await svc.api<View>('POST', '/api/requests', { source: 'otter:/nope', destination: 'badger:/y' });
    assert.equal(nobody.status, 201, `no agent serves otter: taken, to wait: ${JSON.stringify(nobody.body)}`);
  } finally {
    if (agent && agent.exitCode === null) agent.kill('SIGTERM');
    await agent?.done;
    await stopService(svc);
  }
});
