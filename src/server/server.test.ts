// The app as a whole through fastify's inject: tokens and roles, the error shape and status of
// every BargeError code, unknown routes, /healthz, /metrics and /api/openapi.json.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BargeError, type ErrorCode } from '../core/errors.js';
import { fakeView } from './test-support/fake-coordinator-api.js';
import { ADMIN, bearer, errorOf, READ, testServer } from './test-support/test-server.js';

const SUBMIT = { method: 'POST' as const, url: '/api/requests', payload: { source: 'panda:/', destination: 'badger:/' } };

describe('auth', () => {
  test('no token: 401 E_AUTH with WWW-Authenticate, and the api is not called', async () => {
    const { app, api } = await testServer();
    const res = await app.inject({ method: 'GET', url: '/api/requests' });
    assert.equal(res.statusCode, 401);
    assert.equal(errorOf(res.body).code, 'E_AUTH');
    assert.equal(res.headers['www-authenticate'], 'Bearer');
    assert.equal(api.calls.length, 0);
    await app.close();
  });

  test('an unknown secret, a secret of another length and a non-Bearer scheme: 401 E_AUTH', async () => {
    const { app } = await testServer();
    for (const authorization of ['Bearer admin-secret-0123456780', 'Bearer x', 'Basic YWRtaW46YWRtaW4=', 'Bearer']) {
      const res = await app.inject({ method: 'GET', url: '/api/endpoints', headers: { authorization } });
      assert.equal(res.statusCode, 401, authorization);
      assert.equal(errorOf(res.body).code, 'E_AUTH');
    }
    await app.close();
  });

  test('401 comes before validation: a bad body without a token is 401, not 400', async () => {
    const { app } = await testServer();
    const res = await app.inject({ ...SUBMIT, payload: { priority: 99 } });
    assert.equal(res.statusCode, 401);
    await app.close();
  });

  test('a read token may GET but a POST is 403 E_FORBIDDEN and never reaches the api', async () => {
    const { app, api } = await testServer();
    assert.equal((await app.inject({ method: 'GET', url: '/api/requests', headers: READ })).statusCode, 200);
    const res = await app.inject({ ...SUBMIT, headers: READ });
    assert.equal(res.statusCode, 403);
    assert.equal(errorOf(res.body).code, 'E_FORBIDDEN');
    api.requests.set('r-1', fakeView({ id: 'r-1', state: 'running' }));
    const cancel = await app.inject({ method: 'POST', url: '/api/requests/r-1/cancel', headers: READ });
    assert.equal(cancel.statusCode, 403);
    assert.ok(!api.calls.some((c) => c.method === 'submit' || c.method === 'act'));
    await app.close();
  });

  test('an agent token may read but not change: GET 200, POST 403', async () => {
    const { app } = await testServer();
    assert.equal((await app.inject({ method: 'GET', url: '/api/agents', headers: bearer('agent') })).statusCode, 200);
    assert.equal((await app.inject({ ...SUBMIT, headers: bearer('agent') })).statusCode, 403);
    await app.close();
  });

  test('an admin token may POST: 201', async () => {
    const { app } = await testServer();
    assert.equal((await app.inject({ ...SUBMIT, headers: ADMIN })).statusCode, 201);
    await app.close();
  });

  test('with auth off every request is admin, no token needed', async () => {
    const { app } = await testServer({ auth: false });
    assert.equal((await app.inject({ method: 'GET', url: '/api/requests' })).statusCode, 200);
    assert.equal((await app.inject(SUBMIT)).statusCode, 201);
    await app.close();
  });
});

describe('errors', () => {
  const STATUS: [ErrorCode, number][] = [
    ['E_BAD_INPUT', 400], ['E_PATH_ESCAPE', 400], ['E_READ_ONLY', 400], ['E_USAGE', 400], ['E_AUTH', 401],
    ['E_FORBIDDEN', 403], ['E_NOT_FOUND', 404], ['E_EXISTS', 409], ['E_STATE', 409],
  ];
  for (const [code, status] of STATUS) {
    test(`a ${code} from the api answers ${status} with that code and its message`, async () => {
      const { app, api } = await testServer();
      api.failNext(new BargeError(code, `because ${code}`));
      const res = await app.inject({ method: 'GET', url: '/api/agents', headers: READ });
      assert.equal(res.statusCode, status);
      assert.deepEqual(res.json(), { error: { code, message: `because ${code}` } });
      await app.close();
    });
  }

  test('any other BargeError code is 500 E_INTERNAL, its message kept after the code', async () => {
    const { app, api } = await testServer();
    api.failNext(new BargeError('E_IO', 'disk on fire'));
    const res = await app.inject({ method: 'GET', url: '/api/endpoints/panda/ls', headers: READ });
    assert.equal(res.statusCode, 500);
    assert.deepEqual(errorOf(res.body), { code: 'E_INTERNAL', message: 'E_IO: disk on fire' });
    await app.close();
  });

  test('a plain Error (a bug) is 500 E_INTERNAL and its message is not shown', async () => {
    const { app, api } = await testServer();
    api.failNext(new Error('secret stack detail'));
    const res = await app.inject({ method: 'GET', url: '/api/requests', headers: READ });
    assert.equal(res.statusCode, 500);
    assert.equal(errorOf(res.body).code, 'E_INTERNAL');
    assert.doesNotMatch(res.body, /secret stack detail/);
    await app.close();
  });

  test('an unknown route: 404 E_NOT_FOUND in the same error shape', async () => {
    const { app } = await testServer();
    const res = await app.inject({ method: 'GET', url: '/api/nothing-here?x=1', headers: READ });
    assert.equal(res.statusCode, 404);
    assert.deepEqual(res.json(), { error: { code: 'E_NOT_FOUND', message: 'no route GET /api/nothing-here' } });
    await app.close();
  });
});

describe('health, metrics, OpenAPI', () => {
  test('GET /healthz needs no token: 200 {ok, db}', async () => {
    const { app } = await testServer();
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { ok: true, db: 'sqlite' });
    await app.close();
  });

  test('GET /healthz: 503 when the database does not answer, or the check throws', async () => {
    const { app, api } = await testServer();
    api.healthy = false;
    const down = await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(down.statusCode, 503);
    assert.deepEqual(down.json(), { ok: false, db: 'sqlite' });
    api.failNext(new Error('connection refused at 10.0.0.5'));
    const thrown = await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(thrown.statusCode, 503);
    assert.equal(thrown.json<{ ok: boolean }>().ok, false);
    assert.doesNotMatch(thrown.body, /10\.0\.0\.5/);
    await app.close();
  });

  test('GET /metrics: Prometheus text with every barge metric and Node process metrics; needs a token', async () => {
    const { app, api } = await testServer();
    assert.equal((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 401);
    api.movedSoFar = { bytes: 1000, files: 3 };
    api.lease(0.02);
    const first = await app.inject({ method: 'GET', url: '/metrics', headers: READ });
    assert.equal(first.statusCode, 200);
    assert.match(String(first.headers['content-type']), /^text\/plain/);
    const text = first.body;
    for (const name of ['barge_bytes_copied_total', 'barge_files_copied_total', 'barge_tasks', 'barge_task_errors_total',
      'barge_requests', 'barge_queue_depth', 'barge_lease_seconds', 'barge_agents', 'barge_database_up', 'process_cpu_user_seconds_total']) {
      assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
    }
    assert.match(text, /^barge_bytes_copied_total 1000$/m);
    assert.match(text, /^barge_files_copied_total 3$/m);
    assert.match(text, /^barge_tasks\{state="queued",kind="copy"\} 3$/m);
    assert.match(text, /^barge_requests\{state="running"\} 2$/m);
    assert.match(text, /^barge_requests\{state="failed"\} 0$/m);
    assert.match(text, /^barge_queue_depth 3$/m);
    assert.match(text, /^barge_task_errors_total\{code="E_PERMISSION"\} 4$/m);
    assert.match(text, /^barge_lease_seconds_count 1$/m);
    assert.match(text, /^barge_agents\{state="alive"\} 1$/m);
    assert.match(text, /^barge_agents\{state="lost"\} 0$/m);
    assert.match(text, /^barge_database_up 1$/m);
    // prom-client's gauges named like counters are left out (promtool refuses them); the gauges by type stay
    assert.doesNotMatch(text, /^nodejs_active_\w+_total/m);
    assert.match(text, /^# TYPE nodejs_active_handles gauge$/m);
    // counters add what moved since the last scrape, never count it twice
    api.movedSoFar = { bytes: 1500, files: 4 };
    const second = (await app.inject({ method: 'GET', url: '/metrics', headers: READ })).body;
    assert.match(second, /^barge_bytes_copied_total 1500$/m);
    assert.match(second, /^barge_files_copied_total 4$/m);
    assert.equal(api.calls.filter((c) => c.method === 'metrics').length, 2, 'one api.metrics() per scrape');
    await app.close();
  });

  test('GET /metrics while the database is away: 200, barge_database_up 0, and no database series rather than stale ones', async () => {
    const { app, api } = await testServer();
    api.movedSoFar = { bytes: 10, files: 1 };
    assert.match((await app.inject({ method: 'GET', url: '/metrics', headers: READ })).body, /^barge_requests\{state="running"\} 2$/m);
    api.databaseAway = true;
    const away = await app.inject({ method: 'GET', url: '/metrics', headers: READ });
    assert.equal(away.statusCode, 200);
    assert.match(away.body, /^barge_database_up 0$/m);
    assert.match(away.body, /^barge_bytes_copied_total 10$/m, 'what this process counts itself still shows');
    for (const name of ['barge_requests', 'barge_tasks', 'barge_agents', 'barge_task_errors_total']) {
      assert.doesNotMatch(away.body, new RegExp(`^${name}(\\{| )`, 'm'), name);
    }
    assert.match(away.body, /^barge_queue_depth 3$/m, 'a metric without labels always shows: the last value read');
    api.databaseAway = false;
    api.snapshot = { ...api.snapshot, queueDepth: 5 };
    const back = (await app.inject({ method: 'GET', url: '/metrics', headers: READ })).body;
    assert.match(back, /^barge_database_up 1$/m);
    assert.match(back, /^barge_queue_depth 5$/m);
    assert.match(back, /^barge_agents\{state="alive"\} 1$/m);
    await app.close();
  });

  test('two servers in one process keep their metrics apart', async () => {
    const a = await testServer();
    const b = await testServer();
    a.api.movedSoFar = { bytes: 7, files: 1 };
    assert.match((await a.app.inject({ method: 'GET', url: '/metrics', headers: READ })).body, /^barge_bytes_copied_total 7$/m);
    assert.match((await b.app.inject({ method: 'GET', url: '/metrics', headers: READ })).body, /^barge_bytes_copied_total 0$/m);
    await a.app.close();
    await b.app.close();
  });

  test('GET /api/openapi.json: valid JSON, OpenAPI 3 with every route of docs/api.md', async () => {
    const { app } = await testServer();
    const res = await app.inject({ method: 'GET', url: '/api/openapi.json', headers: READ });
    assert.equal(res.statusCode, 200);
    const doc = JSON.parse(res.body) as { openapi: string; info: { version: string }; paths: Record<string, Record<string, unknown>> };
    assert.match(doc.openapi, /^3\./);
    assert.equal(doc.info.version, '0.0.0-test');
    const routes = Object.entries(doc.paths).flatMap(([p, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${p}`));
    for (const r of ['POST /api/requests', 'GET /api/requests', 'GET /api/requests/{id}', 'GET /api/requests/{id}/errors',
      'GET /api/requests/{id}/manifest', 'POST /api/requests/{id}/cancel', 'POST /api/requests/{id}/pause',
      'POST /api/requests/{id}/resume', 'POST /api/requests/{id}/retry', 'GET /api/endpoints', 'GET /api/sites',
      'GET /api/agents', 'GET /api/endpoints/{name}/ls', 'GET /api/events', 'GET /healthz', 'GET /metrics']) {
      assert.ok(routes.includes(r), `${r} in ${routes.join(', ')}`);
    }
    await app.close();
  });
});
