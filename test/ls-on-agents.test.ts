// `barge ls` and GET /api/endpoints/NAME/ls under `barge serve --no-local-agent` on
// PostgreSQL: the endpoints are on the agents' hosts, so the listing comes from an agent
// over the data plane, never from the coordinator's disk. Real processes, real TCP.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createTestDatabase, pgSkipReason, type TestDatabase } from './helpers/postgres-db.js';
import { runBarge, type BargeProcess } from './helpers/run-cli.js';
import { AGENT_SECRET, startCoordinatedAgent } from './helpers/coordinated-agents.js';
import { ADMIN_SECRET, startService, stopService, type Service } from './helpers/service.js';
import { logRecords } from './helpers/log-records.js';

const db: TestDatabase | undefined = await createTestDatabase('ls');
const skip = db ? undefined : pgSkipReason();
let work: string;

before(() => {
  work = mkdtempSync(join(tmpdir(), 'barge-ls-'));
});
after(async () => {
  await db?.drop();
  rmSync(work, { recursive: true, force: true });
});

interface Listing { endpoint: string; path: string; items: { name: string; type: string; size: number; mtimeNs: string; mode: number }[] }
interface Failure { error: { code: string; message: string } }

/**
 * panda's configured path exists nowhere on this host; badger's is a directory of the
 * coordinator's host with other files in it (an agent host would have its own); otter is
 * served by no agent.
 */
function config(dir: string, decoy: string): string {
  const file = join(dir, 'barge.toml');
  writeFileSync(file, [
    '[endpoints.panda]', `path = ${JSON.stringify(join(dir, 'not-on-this-host/panda'))}`, 'write = false', 'site = "a"',
    '[endpoints.badger]', `path = ${JSON.stringify(decoy)}`, 'write = true', 'site = "b"',
    '[endpoints.otter]', 'path = "/site-c/otter"', 'write = false', 'site = "c"',
    '[[tokens]]', 'name = "ops"', `secret = "${ADMIN_SECRET}"`, 'role = "admin"',
    '[[tokens]]', 'name = "agents"', `secret = "${AGENT_SECRET}"`, 'role = "agent"',
  ].join('\n') + '\n');
  return file;
}


/** until the coordinator lists the agent as enrolled */
async function enrolled(svc: Service, name: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const r = await svc.api<{ items: { name: string }[] }>('GET', '/api/agents');
    if (r.body.items.some((a) => a.name === name)) return;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  throw new Error(`agent ${name} did not enrol`);
}

test('without a built-in agent, ls lists the endpoint on an agent that serves it, not the coordinator\'s disk; clear errors otherwise', { skip }, async () => {
  const dir = join(work, 'ls');
  const [panda, badger, decoy] = [join(dir, 'agent-a/panda'), join(dir, 'agent-b/badger'), join(dir, 'coordinator-host/badger')];
  mkdirSync(join(panda, 'sub/inner'), { recursive: true });
  writeFileSync(join(panda, 'sub/b.txt'), 'bb');
  writeFileSync(join(panda, 'sub/a.txt'), 'a');
  writeFileSync(join(panda, 'sub/Z.txt'), 'zzz');
  mkdirSync(join(dir, 'outside'), { recursive: true });
  writeFileSync(join(dir, 'outside/secret'), 's');
  symlinkSync(join(dir, 'outside'), join(panda, 'out'));
  mkdirSync(badger, { recursive: true });
  writeFileSync(join(badger, 'on-the-agent'), 'x');
  mkdirSync(decoy, { recursive: true });
  writeFileSync(join(decoy, 'on-the-coordinator'), 'x');
  const svc = await startService(['--config', config(dir, decoy), '--db', (db as TestDatabase).url, '--no-local-agent', '--lease-timeout', '5s']);
  const agents: BargeProcess[] = [];
  try {
    agents.push(await startCoordinatedAgent(svc.url, 'ls-a1', 'a', `panda=${panda}`));
    agents.push(await startCoordinatedAgent(svc.url, 'ls-b1', 'a', `badger=${badger}`));
    await enrolled(svc, 'ls-a1');
    await enrolled(svc, 'ls-b1');

    // a directory that exists only under the agent's root
    const sub = await svc.api<Listing>('GET', '/api/endpoints/panda/ls?path=%2Fsub');
    assert.equal(sub.status, 200, JSON.stringify(sub.body));
    assert.equal(sub.body.endpoint, 'panda');
    assert.deepEqual(sub.body.items.map((e) => [e.name, e.type]), [['Z.txt', 'file'], ['a.txt', 'file'], ['b.txt', 'file'], ['inner', 'dir']]);
    assert.deepEqual(sub.body.items.filter((e) => e.type === 'file').map((e) => e.size), [3, 1, 2]);
    for (const e of sub.body.items) assert.match(e.mtimeNs, /^\d+$/);
    // one file lists that file, under its own name
    const one = await svc.api<Listing>('GET', '/api/endpoints/panda/ls?path=/sub/b.txt');
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.deepEqual(one.body.items.map((e) => [e.name, e.type, e.size]), [['b.txt', 'file', 2]]);
    // the root by default; the symlink is listed as itself
    const root = await svc.api<Listing>('GET', '/api/endpoints/panda/ls');
    assert.deepEqual(root.body.items.map((e) => [e.name, e.type]), [['out', 'symlink'], ['sub', 'dir']]);

    // the coordinator's directory of the same endpoint is not what is listed
    const cli = await runBarge(['ls', '--server', svc.url, 'badger:/'], { env: { BARGE_TOKEN: ADMIN_SECRET } });
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /on-the-agent/);
    assert.doesNotMatch(cli.stdout, /on-the-coordinator/);

    // errors: a path the agent does not have, escapes, an endpoint no live agent serves, no such endpoint
    const missing = await svc.api<Failure>('GET', '/api/endpoints/panda/ls?path=/nope');
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body.error, { code: 'E_NOT_FOUND', message: 'panda:/nope does not exist' });
    const dotdot = await svc.api<Failure>('GET', '/api/endpoints/panda/ls?path=/sub/../../etc');
    assert.equal(dotdot.status, 400);
    assert.equal(dotdot.body.error.code, 'E_PATH_ESCAPE');
    const through = await svc.api<Failure>('GET', '/api/endpoints/panda/ls?path=/out');
    assert.equal(through.status, 200, 'the symlink itself may be listed');
    const outside = await svc.api<Failure>('GET', '/api/endpoints/panda/ls?path=/out/secret');
    assert.equal(outside.status, 400, JSON.stringify(outside.body));
    assert.equal(outside.body.error.code, 'E_PATH_ESCAPE');
    const otter = await svc.api<Failure>('GET', '/api/endpoints/otter/ls');
    assert.equal(otter.status, 409);
    assert.deepEqual(otter.body.error, { code: 'E_STATE', message: "no live agent serves endpoint 'otter'" });
    const cliOtter = await runBarge(['ls', '--server', svc.url, 'otter:/'], { env: { BARGE_TOKEN: ADMIN_SECRET } });
    assert.equal(cliOtter.code, 1);
    assert.match(cliOtter.stderr, /no live agent serves endpoint 'otter'/);
    const unknown = await svc.api<Failure>('GET', '/api/endpoints/stoat/ls');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'E_NOT_FOUND');

    // the agents opened read-only sessions for these looks, nothing else
    const sessions = agents.map((a) => logRecords(a.output().stderr).map((r) => r.msg).filter((m) => /^session /.test(m))).flat();
    assert.ok(sessions.length > 0 && sessions.every((m) => / ro$/.test(m)), sessions.join('\n'));

    // an agent that left: its endpoint is served by no live agent any more
    const b1 = agents.pop() as BargeProcess;
    b1.kill('SIGTERM');
    await b1.done;
    const gone = await svc.api<Failure>('GET', '/api/endpoints/badger/ls');
    assert.equal(gone.status, 409);
    assert.equal(gone.body.error.message, "no live agent serves endpoint 'badger'");
  } finally {
    for (const a of agents) a.kill('SIGTERM');
    await Promise.all(agents.map((a) => a.done));
    await stopService(svc);
  }
});
