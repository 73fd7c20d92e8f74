// An agent's name is bound to the secret its enrolment got: a holder of the shared agent
// token without it cannot act as an enrolled agent (403 E_AUTH), two enrolments of one name
// at once give it to exactly one, and a takeover of a stale name voids the old secret, after
// which the old `barge agent` enrols again (refused, and retried, while the other holds it).
// Real `barge serve` processes on SQLite and PostgreSQL, 2 s lease timeout, plain fetch.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { AGENT_PROTOCOL } from '../src/core/agent-wire.js';
import { AGENT_SECRET, coordinatedConfig, startCoordinatedAgent } from './helpers/coordinated-agents.js';
import { createTestDatabase, pgSkipReason, type TestDatabase } from './helpers/postgres-db.js';
import { waitUntil, waitUntilAsync } from './helpers/run-cli.js';
import { startService, stopService, type Service } from './helpers/service.js';

const db: TestDatabase | undefined = await createTestDatabase('ident');
const pgSkip = db ? undefined : pgSkipReason();
let work = '';
let lite: Service;
let pg: Service | undefined;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'barge-agent-secret-'));
  const args = ['--config', coordinatedConfig(work), '--no-local-agent', '--lease-timeout', '2s'];
  lite = await startService([...args, '--db', `sqlite:${join(work, 'state.sqlite')}`, '--name', 'coord-lite']);
  if (db) pg = await startService([...args, '--db', db.url, '--name', 'coord-pg']);
});
after(async () => {
  await stopService(lite);
  if (pg) await stopService(pg);
  await db?.drop();
  rmSync(work, { recursive: true, force: true });
});

interface Answer { status: number; body: { agentSecret?: string; error?: { code: string; message: string } } }

/** a call as any holder of the agent token makes it; `secret` goes in x-barge-agent-secret */
async function agentCall(svc: Service, route: string, body: unknown, secret?: string): Promise<Answer> {
  const res = await fetch(`${svc.url}/api/agent/${route}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${AGENT_SECRET}`, 'content-type': 'application/x-barge+json', ...(secret === undefined ? {} : { 'x-barge-agent-secret': secret }) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() as Answer['body'] };
}

/** `protocol` 'none': a body without it, as agents built before the number send */
const enrol = (svc: Service, name: string, protocol: number | 'none' = AGENT_PROTOCOL): Promise<Answer> =>
  agentCall(svc, 'enrol', { name, site: 'a', endpoints: ['panda'], slots: 1, ...(protocol === 'none' ? {} : { protocol, version: '0.0.9' }) });

function secretOf(a: Answer): string {
  assert.equal(a.status, 200, JSON.stringify(a.body));
  assert.ok(typeof a.body.agentSecret === 'string' && a.body.agentSecret.length >= 43, 'the enrolment hands out a secret');
  return a.body.agentSecret;
}

function refused(a: Answer, name: string, what: string): void {
  assert.equal(a.status, 403, `${what}: ${JSON.stringify(a.body)}`);
  assert.equal(a.body.error?.code, 'E_AUTH', what);
  assert.match(a.body.error?.message ?? '', new RegExp(`agent '${name}' is enrolled by another process.*enrol again`), what);
}

const calls = (agentId: string): [string, unknown][] => [
  ['lease', { agentId, capacity: 1, waitMs: 0 }], ['heartbeat', { agentId, running: 0 }], ['report', { agentId, reports: [] }], ['leave', { agentId }],
];

test('an agent that says an older agent protocol, or none (builds before the number), is refused at enrolment, naming what to upgrade', async () => {
  for (const protocol of ['none', AGENT_PROTOCOL - 1] as const) {
    const a = await enrol(lite, 'elder', protocol);
    assert.equal(a.status, 409, JSON.stringify(a.body));
    assert.equal(a.body.error?.code, 'E_STATE');
    assert.match(a.body.error?.message ?? '', new RegExp(`agent 'elder' is older than this coordinator: it speaks agent protocol ${AGENT_PROTOCOL - 1}${protocol === 'none' ? ',' : ' \\(barge 0\\.0\\.9\\),'}.*needs ${AGENT_PROTOCOL} or later: upgrade barge on the agent's host`));
  }
  const agents = (await lite.api<{ items: { id: string }[] }>('GET', '/api/agents')).body.items.map((a) => a.id);
  assert.ok(!agents.includes('elder'), 'a refused agent holds no name');
  secretOf(await enrol(lite, 'elder', AGENT_PROTOCOL));
  secretOf(await enrol(lite, 'younger', AGENT_PROTOCOL + 1));
});

test('an agent that enrolled with an older agent protocol than its coordinator now speaks (upgraded under it) is refused its calls, not leased tasks; it may still leave', async () => {
  const secret = secretOf(await enrol(lite, 'laggard'));
  const listed = (await lite.api<{ items: { id: string; version?: string; protocol?: number }[] }>('GET', '/api/agents')).body.items.find((a) => a.id === 'laggard');
  assert.deepEqual([listed?.version, listed?.protocol], ['0.0.9', AGENT_PROTOCOL], 'the build it enrolled with is listed');
  // what a row written by the coordinator's previous build holds once the number is raised
  const db = new Database(join(work, 'state.sqlite'));
  try {
    db.pragma('busy_timeout = 5000');
    db.prepare('UPDATE agents SET protocol = ? WHERE id = ?').run(AGENT_PROTOCOL - 1, 'laggard');
  } finally {
    db.close();
  }
  for (const [route, body] of calls('laggard').slice(0, 3)) {
    const a = await agentCall(lite, route, body, secret);
    assert.equal(a.status, 409, `${route}: ${JSON.stringify(a.body)}`);
    assert.equal(a.body.error?.code, 'E_STATE');
    assert.match(a.body.error?.message ?? '', new RegExp(`agent 'laggard' is older than this coordinator: it speaks agent protocol ${AGENT_PROTOCOL - 1} \\(barge 0\\.0\\.9\\), this coordinator needs ${AGENT_PROTOCOL} or later: upgrade barge on the agent's host and restart it`), route);
  }
  assert.equal((await agentCall(lite, 'leave', { agentId: 'laggard' }, secret)).status, 200, 'an older agent may still leave');
});

test('an agent token without the enrolment\'s secret cannot lease, heartbeat, report or leave as the agent', async () => {
  const mine = secretOf(await enrol(lite, 'held'));
  const others = secretOf(await enrol(lite, 'bystander'));
  for (const [route, body] of calls('held')) {
    for (const [secret, what] of [[undefined, 'no secret'], ['not-the-secret', 'a wrong secret'], [others, "another agent's secret"]] as const) {
      refused(await agentCall(lite, route, body, secret), 'held', `${route} with ${what}`);
    }
  }
  const agents = async (): Promise<string[]> => (await lite.api<{ items: { id: string }[] }>('GET', '/api/agents')).body.items.map((a) => a.id);
  assert.ok((await agents()).includes('held'), 'a refused leave removed nothing');
  for (const [route, body] of calls('held')) assert.equal((await agentCall(lite, route, body, mine)).status, 200, `${route} with the secret`);
  assert.ok(!(await agents()).includes('held'), 'the agent left with its secret');
});

for (const [engine, svc] of [['SQLite', () => lite], ['PostgreSQL', () => pg]] as const) {
  test(`two enrolments of one name at once: exactly one takes it (${engine})`, { skip: engine === 'PostgreSQL' ? pgSkip : undefined }, async () => {
    const s = svc() as Service;
    for (let i = 0; i < 20; i++) {
      const both = await Promise.all([enrol(s, `race-${i}`), enrol(s, `race-${i}`)]);
      assert.deepEqual(both.map((a) => a.status).sort(), [200, 409], `race-${i}: ${JSON.stringify(both.map((a) => a.body))}`);
      const loser = both.find((a) => a.status === 409);
      assert.equal(loser?.body.error?.code, 'E_STATE');
      assert.match(loser?.body.error?.message ?? '', new RegExp(`agent name 'race-${i}' is taken by a live agent`));
    }
  });

  test(`a stale name taken over voids the old secret (${engine})`, { skip: engine === 'PostgreSQL' ? pgSkip : undefined }, async () => {
    const s = svc() as Service;
    const old = secretOf(await enrol(s, 'phoenix'));
    assert.equal((await enrol(s, 'phoenix')).status, 409, 'a live name is not taken');
    await new Promise((r) => setTimeout(r, 2300));
    const fresh = secretOf(await enrol(s, 'phoenix'));
    assert.notEqual(fresh, old);
    for (const [route, body] of calls('phoenix').slice(0, 3)) refused(await agentCall(s, route, body, old), 'phoenix', `${route} with the old secret`);
    assert.equal((await agentCall(s, 'heartbeat', { agentId: 'phoenix', running: 0 }, fresh)).status, 200);
  });
}

test('a `barge agent` whose name was taken over enrols again: retried with a backoff while the other holds it, then taken', async () => {
  const served = join(work, 'panda');
  mkdirSync(served, { recursive: true });
  const agent = await startCoordinatedAgent(lite.url, 'sleeper', 'a', `panda=${served}`);
  try {
    agent.kill('SIGSTOP');
    // its row goes stale once the lease timeout has passed since its last heartbeat
    let imposter = '';
    await waitUntilAsync(async () => {
      const a = await enrol(lite, 'sleeper');
      if (a.status === 200) imposter = secretOf(a);
      return a.status === 200;
    }, 15_000);
    const beat = setInterval(() => { void agentCall(lite, 'heartbeat', { agentId: 'sleeper', running: 0 }, imposter); }, 300);
    agent.kill('SIGCONT');
    const err = (): string => agent.output().stderr;
    try {
      await waitUntil(() => /enrolling again as 'sleeper' failed \(.*is taken by a live agent.*\); trying again in 2 s/.test(err()), 20_000);
      assert.equal(agent.exitCode, null, 'the agent runs on');
      assert.equal(err().match(/another process enrolled under this name since; enrolling again/g)?.length, 1, `said once:\n${err()}`);
      assert.ok((err().match(/enrolling again as 'sleeper' failed/g)?.length ?? 0) <= 3, `no spinning:\n${err()}`);
    } finally { clearInterval(beat); }
    assert.equal((await agentCall(lite, 'leave', { agentId: 'sleeper' }, imposter)).status, 200);
    await waitUntil(() => /enrolled again as sleeper/.test(err()), 30_000);
    refused(await agentCall(lite, 'heartbeat', { agentId: 'sleeper', running: 0 }, imposter), 'sleeper', "the imposter's secret after the agent took its name back");
  } finally {
    agent.kill('SIGCONT');
    agent.kill('SIGTERM');
    await agent.done;
  }
});
