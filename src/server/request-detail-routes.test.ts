// One request through fastify's inject: GET by id, its errors, manifest and audit trail
// (paged), and the cancel/pause/resume/retry actions with the 404 and 409 they may give.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RequestState } from '../state/state-store.js';
import { fakeView } from './test-support/fake-coordinator-api.js';
import { ADMIN, errorOf, READ, testServer } from './test-support/test-server.js';

async function withRequest(state: RequestState = 'running') {
  const s = await testServer();
  s.api.requests.set('r-1', fakeView({ id: 'r-1', state, startedAt: '2026-11-22T10:00:01.000Z', etaSeconds: 12.5 }));
  return s;
}

describe('GET /api/requests/:id', () => {
  test('200 with the RequestView as the api gave it', async () => {
    const { app } = await withRequest();
    const res = await app.inject({ method: 'GET', url: '/api/requests/r-1', headers: READ });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), fakeView({ id: 'r-1', state: 'running', startedAt: '2026-11-22T10:00:01.000Z', etaSeconds: 12.5 }));
    await app.close();
  });

  test('404 E_NOT_FOUND for an unknown id', async () => {
    const { app } = await withRequest();
    const res = await app.inject({ method: 'GET', url: '/api/requests/r-404', headers: READ });
    assert.equal(res.statusCode, 404);
    assert.deepEqual(errorOf(res.body), { code: 'E_NOT_FOUND', message: 'no request r-404' });
    await app.close();
  });

  test('400 E_BAD_INPUT naming params/id for an id no request can have', async () => {
    const { app, api } = await withRequest();
    const res = await app.inject({ method: 'GET', url: `/api/requests/${'x'.repeat(129)}`, headers: READ });
    assert.equal(res.statusCode, 400);
    assert.match(errorOf(res.body).message, /^params\/id must match pattern/);
    assert.equal(api.calls.length, 0);
    await app.close();
  });
});

test('GET /api/requests/:id with a path parameter above 256 characters: 414 in the error shape', async () => {
  const { app } = await withRequest();
  const res = await app.inject({ method: 'GET', url: `/api/requests/${'x'.repeat(300)}`, headers: READ });
  assert.equal(res.statusCode, 414);
  assert.equal(errorOf(res.body).code, 'E_BAD_INPUT');
  await app.close();
});

describe('GET /api/requests/:id/errors and /manifest', () => {
  test('errors: 200, paged, `at` as an ISO time', async () => {
    const { app, api } = await withRequest();
    api.errorsOf.set('r-1', [
      { path: 'a/b', code: 'E_PERMISSION', message: 'denied', at: Date.UTC(2026, 10, 22, 10, 1) },
      { path: 'c', code: 'E_IO', message: 'bad disk', at: Date.UTC(2026, 10, 22, 10, 2) },
    ]);
    const res = await app.inject({ method: 'GET', url: '/api/requests/r-1/errors?limit=1', headers: READ });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), {
      items: [{ path: 'a/b', code: 'E_PERMISSION', message: 'denied', at: '2026-11-22T10:01:00.000Z' }], total: 2, nextOffset: 1,
    });
    assert.deepEqual(api.calls.at(-1)?.args, ['r-1', 1, 0]);
    await app.close();
  });

  test('manifest: 200, paged from an offset, mtimeNs stays a string', async () => {
    const { app, api } = await withRequest();
    api.manifestOf.set('r-1', [
      { path: 'a', size: 1, mtimeNs: '1700000000123456789', hash: 'xxh3:00' },
      { path: 'b', size: 2, mtimeNs: '1700000000123456790', hash: 'xxh3:01' },
    ]);
    const res = await app.inject({ method: 'GET', url: '/api/requests/r-1/manifest?offset=1', headers: READ });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { items: [{ path: 'b', size: 2, mtimeNs: '1700000000123456790', hash: 'xxh3:01' }], total: 2, nextOffset: null });
    assert.deepEqual(api.calls.at(-1)?.args, ['r-1', 100, 1]);
    await app.close();
  });

  for (const sub of ['errors', 'manifest']) {
    test(`${sub}: 404 for an unknown id, 400 naming querystring/limit for limit 5000`, async () => {
      const { app } = await withRequest();
      const missing = await app.inject({ method: 'GET', url: `/api/requests/nope/${sub}`, headers: READ });
      assert.equal(missing.statusCode, 404);
      assert.equal(errorOf(missing.body).code, 'E_NOT_FOUND');
      const bad = await app.inject({ method: 'GET', url: `/api/requests/r-1/${sub}?limit=5000`, headers: READ });
      assert.equal(bad.statusCode, 400);
      assert.match(errorOf(bad.body).message, /^querystring\/limit must be <= 1000$/);
      await app.close();
    });
  }
});

describe('POST /api/requests/:id/(cancel|pause|resume|retry)', () => {
  const ALLOWED: [string, RequestState, RequestState][] = [
    ['cancel', 'running', 'canceled'],
    ['pause', 'queued', 'paused'],
    ['resume', 'paused', 'running'],
    ['retry', 'failed', 'queued'],
  ];
  for (const [action, from, to] of ALLOWED) {
    test(`${action} of a ${from} request: 200 with the view in state ${to}`, async () => {
      const { app, api } = await withRequest(from);
      const res = await app.inject({ method: 'POST', url: `/api/requests/r-1/${action}`, headers: ADMIN });
      assert.equal(res.statusCode, 200);
      assert.equal(res.json<{ state: string }>().state, to);
      assert.deepEqual(api.calls.at(-1), { method: 'act', args: ['r-1', action, 'ops'] }, 'the actor is the token\'s name');
      await app.close();
    });
  }

  const REFUSED: [string, RequestState][] = [['cancel', 'succeeded'], ['pause', 'paused'], ['resume', 'running'], ['retry', 'succeeded']];
  for (const [action, from] of REFUSED) {
    test(`${action} of a ${from} request: 409 E_STATE`, async () => {
      const { app } = await withRequest(from);
      const res = await app.inject({ method: 'POST', url: `/api/requests/r-1/${action}`, headers: ADMIN });
      assert.equal(res.statusCode, 409);
      assert.equal(errorOf(res.body).code, 'E_STATE');
      await app.close();
    });
  }

  test('an action on an unknown id: 404 E_NOT_FOUND', async () => {
    const { app } = await withRequest();
    const res = await app.inject({ method: 'POST', url: '/api/requests/r-9/cancel', headers: ADMIN });
    assert.equal(res.statusCode, 404);
    assert.equal(errorOf(res.body).code, 'E_NOT_FOUND');
    await app.close();
  });

  test('an unknown action is an unknown route: 404', async () => {
    const { app } = await withRequest();
    const res = await app.inject({ method: 'POST', url: '/api/requests/r-1/explode', headers: ADMIN });
    assert.equal(res.statusCode, 404);
    assert.equal(errorOf(res.body).code, 'E_NOT_FOUND');
    await app.close();
  });
});

describe('GET /api/requests/:id/audit', () => {
  test('200: who submitted and acted, with ISO times, paged; the actor is the token\'s name', async () => {
    const { app } = await testServer();
    const sub = await app.inject({ method: 'POST', url: '/api/requests', headers: ADMIN, payload: { id: 'r-a', source: 'panda:/', destination: 'badger:/' } });
    assert.equal(sub.statusCode, 201);
    assert.equal(sub.json<{ request: { submittedBy: string } }>().request.submittedBy, 'ops');
    assert.equal((await app.inject({ method: 'POST', url: '/api/requests/r-a/pause', headers: ADMIN })).statusCode, 200);
    const res = await app.inject({ method: 'GET', url: '/api/requests/r-a/audit?limit=1&offset=1', headers: READ });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { items: [{ at: '2026-11-22T11:00:00.000Z', actor: 'ops', action: 'pause', detail: null }], total: 2, nextOffset: null });
    assert.equal((await app.inject({ method: 'GET', url: '/api/requests/r-404/audit', headers: READ })).statusCode, 404);
    await app.close();
  });

  test('with auth off the actor is the caller\'s address', async () => {
    const { app, api } = await testServer({ auth: false });
    const sub = await app.inject({ method: 'POST', url: '/api/requests', payload: { id: 'r-b', source: 'panda:/', destination: 'badger:/' }, remoteAddress: '10.1.2.3' });
    assert.equal(sub.statusCode, 201);
    assert.deepEqual(api.calls.at(-1)?.args[1], 'anonymous@10.1.2.3');
    await app.close();
  });
});
