// /api/agent/*: who may call them, bodies with bigints both ways, and bad bodies named.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWithBigints, stringifyWithBigints } from '../core/json-bigint.js';
import { AGENT_SECRET_HEADER } from '../core/agent-wire.js';
import { AGENT_CONTENT_TYPE } from './routes/agent-routes.js';
import { ADMIN, bearer, errorOf, READ, testServer } from './test-support/test-server.js';

// the fake coordinator's agents enrol with the secret 'sekrit' (test-support/fake-coordinator-api.ts)
const AGENT = { ...bearer('agent'), [AGENT_SECRET_HEADER]: 'sekrit' };
const post = (url: string, headers: Record<string, string>, body: unknown) => ({
  method: 'POST' as const, url, headers: { ...headers, 'content-type': AGENT_CONTENT_TYPE }, payload: stringifyWithBigints(body),
});

test('an agent token enrols; the answer is barge+json', async () => {
  const { app, api } = await testServer();
  const r = await app.inject(post('/api/agent/enrol', AGENT, { name: 'a1', site: 'sdsc', endpoints: ['panda'], slots: 4, dataAddress: '10.0.0.1:7701' }));
  assert.equal(r.statusCode, 200, r.body);
  assert.match(String(r.headers['content-type']), /application\/x-barge\+json/);
  assert.equal(parseWithBigints<{ agentId: string }>(r.body).agentId, 'a1');
  assert.deepEqual(api.calls.at(-1), { method: 'agentEnrol', args: [{ name: 'a1', site: 'sdsc', endpoints: ['panda'], slots: 4, dataAddress: '10.0.0.1:7701' }] });
});

test('a read token is 403 on agent routes, no token 401; an admin token may act as an agent', async () => {
  const { app } = await testServer();
  const body = { agentId: 'a1', running: 0 };
  assert.equal((await app.inject(post('/api/agent/heartbeat', READ, body))).statusCode, 403);
  assert.equal(errorOf((await app.inject(post('/api/agent/heartbeat', READ, body))).body).code, 'E_FORBIDDEN');
  assert.equal((await app.inject(post('/api/agent/heartbeat', {}, body))).statusCode, 401);
  assert.equal((await app.inject(post('/api/agent/heartbeat', { ...ADMIN, [AGENT_SECRET_HEADER]: 'sekrit' }, body))).statusCode, 200);
  // and an agent token may not change requests
  const cancel = await app.inject({ method: 'POST', url: '/api/requests/r-1/cancel', headers: AGENT });
  assert.equal(cancel.statusCode, 403);
});

test('leases carry bigints (nanosecond mtimes) intact; reports are passed on', async () => {
  const { app, api } = await testServer();
  const mtimeNs = 1_700_000_000_123_456_789n;
  api.work = [{
    taskId: 7,
    task: { kind: 'scan', rel: 'a', src: { name: 'a', type: 'dir', size: 0, mtimeNs, mode: 0o755, uid: 0, gid: 0, dev: 1, ino: 2, nlink: 2, allocated: 0 }, dst: undefined, dstExists: false, insideListedDir: false },
    job: { requestId: 'r-1', src: { endpoint: 'panda', path: '' }, dst: { endpoint: 'badger', path: 'x' }, opts: {} as never },
  }];
  const r = await app.inject(post('/api/agent/lease', AGENT, { agentId: 'a1', capacity: 4, waitMs: 0 }));
  assert.equal(r.statusCode, 200, r.body);
  const work = parseWithBigints<{ work: { task: { src: { mtimeNs: unknown } } }[] }>(r.body).work;
  assert.equal(work[0]?.task.src.mtimeNs, mtimeNs);
  const rep = await app.inject(post('/api/agent/report', AGENT, { agentId: 'a1', reports: [{ taskId: 7, result: { counters: { bytesCopied: 5 }, errors: [], events: [] } }] }));
  assert.equal(rep.statusCode, 200, rep.body);
  assert.equal(api.calls.at(-1)?.method, 'agentReport');
});

test('bad bodies are 400 naming the field; a body that is not JSON is 400', async () => {
  const { app } = await testServer();
  const cases: [string, unknown, RegExp][] = [
    ['/api/agent/lease', { agentId: 'a1', capacity: -1, waitMs: 0 }, /body\/capacity/],
    ['/api/agent/lease', { agentId: '', capacity: 1, waitMs: 0 }, /body\/agentId/],
    ['/api/agent/enrol', { name: 'a1', site: 's', endpoints: [], slots: 1 }, /body\/endpoints/],
    ['/api/agent/report', { agentId: 'a1', reports: [{ taskId: 'x' }] }, /body\/reports/],
  ];
  for (const [url, body, want] of cases) {
    const r = await app.inject(post(url, AGENT, body));
    assert.equal(r.statusCode, 400, `${url} ${r.body}`);
    assert.match(errorOf(r.body).message, want);
  }
  const bad = await app.inject({ method: 'POST', url: '/api/agent/leave', headers: { ...AGENT, 'content-type': AGENT_CONTENT_TYPE }, payload: '{nope' });
  assert.equal(bad.statusCode, 400);
});

test('a call naming an agent without its enrolment\'s secret, or with another, is 403 E_AUTH; the header reaches the coordinator', async () => {
  const { app } = await testServer();
  const calls: [string, unknown][] = [
    ['/api/agent/lease', { agentId: 'a1', capacity: 1, waitMs: 0 }], ['/api/agent/heartbeat', { agentId: 'a1', running: 0 }],
    ['/api/agent/report', { agentId: 'a1', reports: [] }], ['/api/agent/leave', { agentId: 'a1' }],
  ];
  for (const [url, body] of calls) {
    for (const headers of [bearer('agent'), { ...bearer('agent'), [AGENT_SECRET_HEADER]: 'guess' }]) {
      const r = await app.inject(post(url, headers, body));
      assert.equal(r.statusCode, 403, `${url} ${r.body}`);
      assert.equal(errorOf(r.body).code, 'E_AUTH');
      assert.match(errorOf(r.body).message, /agent 'a1' is enrolled by another process/);
    }
    assert.equal((await app.inject(post(url, AGENT, body))).statusCode, 200, url);
  }
});
