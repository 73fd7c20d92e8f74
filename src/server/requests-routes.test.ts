// The request routes through fastify's inject: status codes, bodies, and every bad input the
// schemas refuse, over a FakeCoordinatorApi (the real coordinator is tested end to end elsewhere).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BargeError } from '../core/errors.js';
import { fakeView } from './test-support/fake-coordinator-api.js';
import { ADMIN, errorOf, READ, testServer } from './test-support/test-server.js';

const GOOD = { source: 'panda:/user_xyz', destination: 'badger:/' };

describe('POST /api/requests', () => {
  test('201 with the id and the RequestView; priority defaults to 5 and the spec reaches the api', async () => {
    const { app, api } = await testServer();
    const body = { ...GOOD, id: 'my.req-1', delete: true, maxDelete: 10, hash: 'sha256', filters: { rules: [{ kind: 'exclude', pattern: '*.tmp' }], minSize: 0 }, files: ['a/b.dat'] };
    const res = await app.inject({ method: 'POST', url: '/api/requests', headers: ADMIN, payload: body });
    assert.equal(res.statusCode, 201);
    const answer = res.json<{ id: string; request: { id: string; priority: number; options: Record<string, unknown> } }>();
    assert.equal(answer.id, 'my.req-1');
    assert.equal(answer.request.id, 'my.req-1');
    assert.equal(answer.request.priority, 5);
    assert.deepEqual(answer.request.options.filters, { rules: [{ kind: 'exclude', pattern: '*.tmp' }], minSize: 0 });
    assert.deepEqual(api.calls.find((c) => c.method === 'submit')?.args[0], { ...body, priority: 5 });
    await app.close();
  });

  test('dryRun=1: 200 with the plan, nothing submitted; rate reaches the api, a bad one is 400', async () => {
    const { app, api } = await testServer();
    const res = await app.inject({ method: 'POST', url: '/api/requests?dryRun=1&rate=1000', headers: ADMIN, payload: GOOD });
    assert.equal(res.statusCode, 200, res.body);
    const plan = res.json<{ source: string; files: { toCopy: number }; transfer: { rate: number; seconds: number }; tape: unknown }>();
    assert.deepEqual([plan.source, plan.files.toCopy, plan.transfer.rate, plan.transfer.seconds, plan.tape], [GOOD.source, 2, 1000, 0.2, null]);
    assert.deepEqual(api.calls.map((c) => c.method), ['plan']);
    assert.deepEqual(api.calls[0]?.args, [{ ...GOOD, priority: 5 }, { rate: 1000 }]);
    assert.equal(api.requests.size, 0);
    const bad = await app.inject({ method: 'POST', url: '/api/requests?dryRun=1&rate=0', headers: ADMIN, payload: GOOD });
    assert.equal(bad.statusCode, 400);
    assert.equal(errorOf(bad.body).code, 'E_BAD_INPUT');
    const off = await app.inject({ method: 'POST', url: '/api/requests?dryRun=false', headers: ADMIN, payload: GOOD });
    assert.equal(off.statusCode, 201);
    await app.close();
  });

  test('201 without a client id: the api makes one up', async () => {
    const { app } = await testServer();
    const res = await app.inject({ method: 'POST', url: '/api/requests', headers: ADMIN, payload: GOOD });
    assert.equal(res.statusCode, 201);
    assert.equal(res.json<{ id: string }>().id, 'r-1');
    await app.close();
  });

  test('409 E_EXISTS when the client id is taken', async () => {
    const { app } = await testServer();
    const payload = { ...GOOD, id: 'dup' };
    assert.equal((await app.inject({ method: 'POST', url: '/api/requests', headers: ADMIN, payload })).statusCode, 201);
    const res = await app.inject({ method: 'POST', url: '/api/requests', headers: ADMIN, payload });
    assert.equal(res.statusCode, 409);
    assert.equal(errorOf(res.body).code, 'E_EXISTS');
    await app.close();
  });

  // each bad body: 400 E_BAD_INPUT whose message names the field
  const BAD: [string, Record<string, unknown>, RegExp][] = [
    ['priority above 10', { ...GOOD, priority: 11 }, /^body\/priority must be <= 10$/],
    ['priority below 1', { ...GOOD, priority: 0 }, /^body\/priority must be >= 1$/],
    ['priority not a whole number', { ...GOOD, priority: 2.5 }, /^body\/priority must be integer$/],
    ['a missing source', { destination: 'badger:/' }, /^body\/source is required$/],
    ['a missing destination', { source: 'panda:/' }, /^body\/destination is required$/],
    ['an unknown property', { ...GOOD, dleete: true }, /^body\/dleete is not allowed/],
    ['a source without an endpoint', { ...GOOD, source: '/just/a/path' }, /^body\/source must match pattern/],
    ['a destination with a bad endpoint name', { ...GOOD, destination: 'bad name:/x' }, /^body\/destination must match pattern/],
    ['an id with a slash', { ...GOOD, id: 'a/b' }, /^body\/id must match pattern/],
    ['an id longer than 128', { ...GOOD, id: 'x'.repeat(129) }, /^body\/id must match pattern/],
    ['an unknown hash', { ...GOOD, hash: 'crc32' }, /^body\/hash must be one of "xxh3", "sha256", "md5"$/],
    ['a filter rule of an unknown kind', { ...GOOD, filters: { rules: [{ kind: 'maybe', pattern: '*' }] } }, /^body\/filters\/rules\/0\/kind must be one of "include", "exclude"$/],
    ['a filter rule with an empty pattern', { ...GOOD, filters: { rules: [{ kind: 'include', pattern: '' }] } }, /^body\/filters\/rules\/0\/pattern must NOT have fewer than 1 characters$/],
    ['a filter rule with an extra property', { ...GOOD, filters: { rules: [{ kind: 'include', pattern: '*', x: 1 }] } }, /^body\/filters\/rules\/0\/x is not allowed/],
    ['an unknown filter', { ...GOOD, filters: { newer: 3 } }, /^body\/filters\/newer is not allowed/],
    ['a negative minSize', { ...GOOD, filters: { minSize: -1 } }, /^body\/filters\/minSize must be >= 0$/],
    ['a negative maxAge', { ...GOOD, filters: { maxAge: -5 } }, /^body\/filters\/maxAge must be >= 0$/],
    ['a negative maxDelete', { ...GOOD, maxDelete: -1 }, /^body\/maxDelete must be >= 0$/],
    ['files that are not strings', { ...GOOD, files: [{ path: 'a' }] }, /^body\/files\/0 must be string$/],
    ['delete that is not a boolean', { ...GOOD, delete: 'sometimes' }, /^body\/delete must be boolean$/],
  ];
  for (const [what, payload, message] of BAD) {
    test(`400 E_BAD_INPUT naming the field for ${what}`, async () => {
      const { app, api } = await testServer();
      const res = await app.inject({ method: 'POST', url: '/api/requests', headers: ADMIN, payload });
      assert.equal(res.statusCode, 400);
      const e = errorOf(res.body);
      assert.equal(e.code, 'E_BAD_INPUT');
      assert.match(e.message, message);
      assert.equal(api.calls.length, 0, 'a refused body never reaches the api');
      await app.close();
    });
  }

  test('400 E_BAD_INPUT for a body that is not JSON, and for no body at all', async () => {
    const { app } = await testServer();
    const broken = await app.inject({ method: 'POST', url: '/api/requests', headers: { ...ADMIN, 'content-type': 'application/json' }, payload: '{"source":' });
    assert.equal(broken.statusCode, 400);
    assert.equal(errorOf(broken.body).code, 'E_BAD_INPUT');
    const none = await app.inject({ method: 'POST', url: '/api/requests', headers: ADMIN });
    assert.equal(none.statusCode, 400);
    assert.equal(errorOf(none.body).code, 'E_BAD_INPUT');
    await app.close();
  });

  test('415 E_BAD_INPUT for a body that is not JSON by its content type', async () => {
    const { app } = await testServer();
    const res = await app.inject({ method: 'POST', url: '/api/requests', headers: { ...ADMIN, 'content-type': 'application/xml' }, payload: '<r/>' });
    assert.equal(res.statusCode, 415);
    assert.equal(errorOf(res.body).code, 'E_BAD_INPUT');
    await app.close();
  });

  test("a file list above fastify's default 1 MiB body limit is accepted", async () => {
    const { app, api } = await testServer();
    const files = Array.from({ length: 20_000 }, (_, i) => `some/fairly/long/directory/name/number/${i}/and/a/file-${i}.dat`);
    const payload = JSON.stringify({ ...GOOD, files });
    assert.ok(payload.length > 1024 * 1024);
    const res = await app.inject({ method: 'POST', url: '/api/requests', headers: { ...ADMIN, 'content-type': 'application/json' }, payload });
    assert.equal(res.statusCode, 201);
    assert.equal((api.calls[0]?.args[0] as { files: string[] }).files.length, 20_000);
    await app.close();
  });

  test('400 E_BAD_INPUT from the api (an endpoint it does not know) keeps its message', async () => {
    const { app, api } = await testServer();
    api.failNext(new BargeError('E_BAD_INPUT', 'unknown endpoint nope'));
    const res = await app.inject({ method: 'POST', url: '/api/requests', headers: ADMIN, payload: { ...GOOD, source: 'nope:/' } });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(errorOf(res.body), { code: 'E_BAD_INPUT', message: 'unknown endpoint nope' });
    await app.close();
  });
});

describe('GET /api/requests', () => {
  async function withThree() {
    const s = await testServer();
    s.api.requests.set('r-a', fakeView({ id: 'r-a', state: 'running' }));
    s.api.requests.set('r-b', fakeView({ id: 'r-b', state: 'queued' }));
    s.api.requests.set('r-c', fakeView({ id: 'r-c', state: 'paused' }));
    return s;
  }

  test('200 newest first with total and nextOffset; limit 100 and offset 0 by default', async () => {
    const { app, api } = await withThree();
    const res = await app.inject({ method: 'GET', url: '/api/requests', headers: READ });
    assert.equal(res.statusCode, 200);
    const page = res.json<{ items: { id: string }[]; total: number; nextOffset: number | null }>();
    assert.deepEqual(page.items.map((v) => v.id), ['r-c', 'r-b', 'r-a']);
    assert.equal(page.total, 3);
    assert.equal(page.nextOffset, null);
    assert.deepEqual(api.calls[0]?.args[0], { limit: 100, offset: 0 });
    await app.close();
  });

  test('nextOffset points at the next page, and is null on the last one', async () => {
    const { app } = await withThree();
    const first = (await app.inject({ method: 'GET', url: '/api/requests?limit=2', headers: READ })).json<{ items: unknown[]; nextOffset: number | null }>();
    assert.equal(first.items.length, 2);
    assert.equal(first.nextOffset, 2);
    const last = (await app.inject({ method: 'GET', url: '/api/requests?limit=2&offset=2', headers: READ })).json<{ items: unknown[]; nextOffset: number | null }>();
    assert.equal(last.items.length, 1);
    assert.equal(last.nextOffset, null);
    await app.close();
  });

  test('state filter: repeated and comma-separated forms both reach the api as a list', async () => {
    const { app, api } = await withThree();
    const repeated = await app.inject({ method: 'GET', url: '/api/requests?state=running&state=paused', headers: READ });
    assert.equal(repeated.statusCode, 200);
    assert.deepEqual(repeated.json<{ items: { id: string }[] }>().items.map((v) => v.id), ['r-c', 'r-a']);
    const commas = await app.inject({ method: 'GET', url: '/api/requests?state=queued,paused', headers: READ });
    assert.deepEqual(commas.json<{ items: { id: string }[] }>().items.map((v) => v.id), ['r-c', 'r-b']);
    assert.deepEqual(api.calls.map((c) => (c.args[0] as { states?: string[] }).states), [['running', 'paused'], ['queued', 'paused']]);
    await app.close();
  });

  const BAD_QUERIES: [string, string, RegExp][] = [
    ['an unknown state', 'state=running,done', /^querystring\/state\/0 must match pattern/],
    ['an unknown state among repeated ones', 'state=running&state=stalled', /^querystring\/state\/1 must match pattern/],
    ['limit 0', 'limit=0', /^querystring\/limit must be >= 1$/],
    ['limit above 1000', 'limit=1001', /^querystring\/limit must be <= 1000$/],
    ['a negative offset', 'offset=-1', /^querystring\/offset must be >= 0$/],
    ['a limit that is not a number', 'limit=ten', /^querystring\/limit must be integer$/],
    ['an unknown parameter', 'sort=age', /^querystring\/sort is not allowed/],
  ];
  for (const [what, qs, message] of BAD_QUERIES) {
    test(`400 E_BAD_INPUT naming the parameter for ${what}`, async () => {
      const { app } = await testServer();
      const res = await app.inject({ method: 'GET', url: `/api/requests?${qs}`, headers: READ });
      assert.equal(res.statusCode, 400);
      assert.equal(errorOf(res.body).code, 'E_BAD_INPUT');
      assert.match(errorOf(res.body).message, message);
      await app.close();
    });
  }
});
