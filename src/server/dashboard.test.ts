// The dashboard's HTTP layer through fastify's inject, over a FakeCoordinatorApi: login and
// its refusals, the session cookie, CSRF and role checks on every action, what a session may
// read of the API, escaping, and the pages' JavaScript size. The browser drives the real
// thing in test/web-dashboard.test.ts.
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { loadAssets } from './pages/assets.js';
import { fakeView } from './test-support/fake-coordinator-api.js';
import { ADMIN, READ, TOKENS, testServer } from './test-support/test-server.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const secretOf = (role: string): string => TOKENS.find((t) => t.role === role)?.secret ?? '';

/** logs in with the token of `role`; the session cookie and the CSRF token of its pages */
async function login(app: FastifyInstance, role: 'admin' | 'read'): Promise<{ cookie: string; csrf: string }> {
  const res = await app.inject({ method: 'POST', url: '/login', headers: FORM, payload: `token=${secretOf(role)}` });
  assert.equal(res.statusCode, 303);
  const set = String(res.headers['set-cookie']);
  const cookie = /barge_session=([^;]+)/.exec(set)?.[1] ?? '';
  const page = await app.inject({ method: 'GET', url: '/requests', headers: { cookie: `barge_session=${cookie}` } });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
  assert.ok(cookie !== '' && csrf !== '');
  return { cookie, csrf };
}

describe('dashboard login', () => {
  test('a page without a session sends to /login; a wrong token is 401 with a message; an agent token 403', async () => {
    const { app } = await testServer();
    const first = await app.inject({ method: 'GET', url: '/' });
    assert.equal(first.statusCode, 303);
    assert.equal(first.headers.location, '/login');
    const wrong = await app.inject({ method: 'POST', url: '/login', headers: FORM, payload: 'token=nope-nope-nope-nope' });
    assert.equal(wrong.statusCode, 401);
    assert.match(wrong.body, /Unknown token: no \[\[tokens\]\] entry of this coordinator has it/);
    assert.equal(wrong.headers['set-cookie'], undefined);
    const agent = await app.inject({ method: 'POST', url: '/login', headers: FORM, payload: `token=${secretOf('agent')}` });
    assert.equal(agent.statusCode, 403);
    assert.match(agent.body, /is an agent token/);
    await app.close();
  });

  test('a good token gets an HTTP-only, SameSite=Strict session cookie; the pages then answer, with a strict CSP', async () => {
    const { app, api } = await testServer();
    const res = await app.inject({ method: 'POST', url: '/login', headers: FORM, payload: `token=${secretOf('admin')}` });
    assert.equal(res.statusCode, 303);
    const set = String(res.headers['set-cookie']);
    assert.match(set, /HttpOnly/);
    assert.match(set, /SameSite=Strict/);
    const { cookie } = await login(app, 'admin');
    api.rates = { 'a-1': 2048 };
    const agents = await app.inject({ method: 'GET', url: '/agents', headers: { cookie: `barge_session=${cookie}` } });
    assert.match(agents.body, /data-field="rate" data-value="2048">2.00 KiB\/s</);
    for (const url of ['/', '/requests', '/agents', '/ui/agents', '/ui/overview']) {
      const page = await app.inject({ method: 'GET', url, headers: { cookie: `barge_session=${cookie}` } });
      assert.equal(page.statusCode, 200, url);
      assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
    }
    await app.close();
  });

  test('logout ends the session (with its CSRF token)', async () => {
    const { app } = await testServer();
    const { cookie, csrf } = await login(app, 'read');
    const forged = await app.inject({ method: 'POST', url: '/logout', headers: { ...FORM, cookie: `barge_session=${cookie}` }, payload: '_csrf=guess' });
    assert.equal(forged.statusCode, 403, 'a logout without the CSRF token is refused');
    assert.equal((await app.inject({ method: 'GET', url: '/', headers: { cookie: `barge_session=${cookie}` } })).statusCode, 200);
    const out = await app.inject({ method: 'POST', url: '/logout', headers: { ...FORM, cookie: `barge_session=${cookie}` }, payload: `_csrf=${csrf}` });
    assert.equal(out.statusCode, 303);
    assert.equal((await app.inject({ method: 'GET', url: '/', headers: { cookie: `barge_session=${cookie}` } })).statusCode, 303);
    await app.close();
  });

  test('with auth off there is no login: the first page makes an admin session', async () => {
    const { app, api } = await testServer({ auth: false });
    api.requests.set('r-1', fakeView());
    const res = await app.inject({ method: 'GET', url: '/requests/r-1' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['set-cookie']), /barge_session=/);
    assert.match(res.body, /id="action-cancel"/);
    await app.close();
  });
});

describe('dashboard actions', () => {
  test('an admin acts with its CSRF token: the api is called with the token name as actor', async () => {
    const { app, api } = await testServer();
    api.requests.set('r-1', fakeView({ state: 'running' }));
    const { cookie, csrf } = await login(app, 'admin');
    const headers = { ...FORM, cookie: `barge_session=${cookie}` };
    const page = await app.inject({ method: 'GET', url: '/requests/r-1', headers });
    for (const a of ['cancel', 'pause', 'priority']) assert.match(page.body, new RegExp(`id="action-${a}"`));
    assert.doesNotMatch(page.body, /id="action-resume"/, 'a running request offers no resume');
    assert.match(page.body, /hx-confirm=/);
    const res = await app.inject({ method: 'POST', url: '/ui/requests/r-1/act', headers, payload: `_csrf=${csrf}&action=pause` });
    assert.equal(res.statusCode, 303);
    assert.deepEqual(api.calls.find((c) => c.method === 'act')?.args, ['r-1', 'pause', 'ops']);
    const htmx = await app.inject({ method: 'POST', url: '/ui/requests/r-1/act', headers: { ...headers, 'hx-request': 'true' }, payload: `_csrf=${csrf}&action=priority&priority=9` });
    assert.equal(htmx.statusCode, 200);
    assert.equal(htmx.headers['hx-redirect'], '/requests/r-1');
    assert.equal(api.requests.get('r-1')?.priority, 9);
    const bad = await app.inject({ method: 'POST', url: '/ui/requests/r-1/act', headers, payload: `_csrf=${csrf}&action=priority&priority=11` });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /priority: expected a whole number from 1 to 10/);
    await app.close();
  });

  test('refused: no CSRF token, a wrong one, another origin, a read session, no session', async () => {
    const { app, api } = await testServer();
    api.requests.set('r-1', fakeView({ state: 'running' }));
    const admin = await login(app, 'admin');
    const reader = await login(app, 'read');
    const post = (cookie: string | undefined, payload: string, extra: Record<string, string> = {}): Promise<{ statusCode: number; body: string }> =>
      app.inject({ method: 'POST', url: '/ui/requests/r-1/act', headers: { ...FORM, ...extra, ...(cookie ? { cookie: `barge_session=${cookie}` } : {}) }, payload });
    assert.equal((await post(admin.cookie, 'action=cancel')).statusCode, 403);
    assert.equal((await post(admin.cookie, `_csrf=${reader.csrf}&action=cancel`)).statusCode, 403);
    assert.equal((await post(admin.cookie, `_csrf=${admin.csrf}&action=cancel`, { origin: 'https://evil.example' })).statusCode, 403);
    const read = await post(reader.cookie, `_csrf=${reader.csrf}&action=cancel`);
    assert.equal(read.statusCode, 403);
    assert.match(read.body, /only an admin token may act/);
    assert.equal((await post(undefined, `_csrf=${admin.csrf}&action=cancel`)).statusCode, 401);
    const bare = await app.inject({ method: 'POST', url: '/ui/requests/r-1/act', headers: { cookie: `barge_session=${admin.cookie}` } });
    assert.equal(bare.statusCode, 403, 'a POST without a body lacks the CSRF token');
    assert.equal(api.calls.filter((c) => c.method === 'act').length, 0);
    const readPage = await app.inject({ method: 'GET', url: '/requests/r-1', headers: { cookie: `barge_session=${reader.cookie}` } });
    assert.doesNotMatch(readPage.body, /<button[^>]*class="action/, 'a read token sees no action button');
    await app.close();
  });

  test('submit from the form: the flags become the spec; a bad field is named', async () => {
    const { app, api } = await testServer();
    const { cookie, csrf } = await login(app, 'admin');
    const headers = { ...FORM, cookie: `barge_session=${cookie}` };
    const res = await app.inject({ method: 'POST', url: '/ui/submit', headers, payload: `_csrf=${csrf}&source=panda:/a&destination=badger:/b&id=x1&priority=7&delete=true&maxDelete=3&checksum=true` });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/requests/x1');
    assert.deepEqual(api.calls.find((c) => c.method === 'submit')?.args, [
      { source: 'panda:/a', destination: 'badger:/b', id: 'x1', priority: 7, delete: true, checksum: true, maxDelete: 3 }, 'ops',
    ]);
    const bad = await app.inject({ method: 'POST', url: '/ui/submit', headers, payload: `_csrf=${csrf}&source=panda:/a&destination=badger:/b&id=no/slash` });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /id: &#39;no\/slash&#39; may hold only/);
    await app.close();
  });

  test('the list filters by state and by a text in id, source or destination, and pages keep the filter', async () => {
    const { app, api } = await testServer();
    for (let i = 0; i < 60; i++) api.requests.set(`r-${i}`, fakeView({ id: `r-${i}`, source: i % 2 === 0 ? 'panda:/even' : 'panda:/odd', state: i < 5 ? 'failed' : 'succeeded' }));
    const { cookie } = await login(app, 'read');
    const get = async (url: string): Promise<string> => (await app.inject({ method: 'GET', url, headers: { cookie: `barge_session=${cookie}` } })).body;
    assert.match(await get('/requests?q=even'), /1–30 of 30/);
    assert.match(await get('/requests?state=failed'), /1–5 of 5/);
    assert.match(await get('/requests?state=failed&q=odd'), /1–2 of 2/);
    const all = await get('/requests');
    assert.match(all, /1–50 of 60/);
    assert.match(all, /href="\/requests\?offset=50" rel="next"/);
    assert.match(await get('/ui/requests?q=panda&offset=50'), /51–60 of 60.*href="\/requests\?q=panda" rel="prev"/s);
    await app.close();
  });

  test('a request\'s errors are grouped by code with their paths; its live parts answer as fragments', async () => {
    const { app, api } = await testServer();
    api.requests.set('r-1', fakeView({ state: 'failed' }));
    api.errorsOf.set('r-1', [
      { path: 'a/x', code: 'E_PERMISSION', message: 'denied', at: 1 }, { path: 'a/y', code: 'E_PERMISSION', message: 'denied', at: 2 },
      { path: 'b/z', code: 'E_IO', message: 'read failed', at: 3 },
    ]);
    const { cookie } = await login(app, 'read');
    const get = async (url: string): Promise<{ statusCode: number; body: string }> => app.inject({ method: 'GET', url, headers: { cookie: `barge_session=${cookie}` } });
    const page = await get('/requests/r-1');
    assert.match(page.body, /<code>E_PERMISSION<\/code>: 2 file\(s\).*<code>a\/x<\/code>: denied.*<code>a\/y<\/code>.*<code>E_IO<\/code>: 1 file\(s\).*<code>b\/z<\/code>: read failed/s);
    for (const part of ['counters', 'errors', 'audit', 'actions', 'manifest']) assert.equal((await get(`/ui/requests/r-1/${part}`)).statusCode, 200, part);
    assert.equal((await get('/ui/requests/nope/counters')).statusCode, 404);
    assert.equal((await app.inject({ method: 'GET', url: '/ui/requests/r-1/counters' })).statusCode, 401, 'a fragment without a session');
    await app.close();
  });

  test('a request being staged shows its staging figures, live; one that is not shows no staging section', async () => {
    const { app, api } = await testServer();
    api.requests.set('r-1', fakeView({
      state: 'staging',
      staging: { mounts: 3, volumes: 2, bufferUsedBytes: 512 * 1024, bufferQuotaBytes: 2 * 1024 * 1024, files: { waiting: 4, located: 5, staging: 6, staged: 7, released: 8, failed: 1 } },
    }));
    api.requests.set('r-2', fakeView({ id: 'r-2', state: 'running' }));
    const { cookie } = await login(app, 'read');
    const get = async (url: string): Promise<{ statusCode: number; body: string }> => app.inject({ method: 'GET', url, headers: { cookie: `barge_session=${cookie}` } });
    const page = await get('/requests/r-1');
    assert.match(page.body, /<span class="state state-staging" data-field="state">staging<\/span>/);
    const section = /<section id="staging-section"><h2>Staging<\/h2><div id="staging" hx-get="\/ui\/requests\/r-1\/staging"[^>]*>(.*?)<\/div><\/section>/s.exec(page.body)?.[1];
    assert.ok(section, 'the staging section is there');
    for (const [k, x] of [['mounts', '3'], ['volumes', '2'], ['files waiting', '4'], ['files located', '5'], ['files staging', '6'], ['files staged', '7'], ['files released', '8'], ['files failed', '1']]) {
      assert.match(section, new RegExp(`<tr><th>${k}</th><td>${x}</td></tr>`), k);
    }
    assert.match(section, /<tr><th>buffer<\/th><td>512 KiB of 2.00 MiB \(25%;/);
    const fragment = await get('/ui/requests/r-1/staging');
    assert.equal(fragment.statusCode, 200);
    assert.match(fragment.body, /<tr><th>mounts<\/th><td>3<\/td><\/tr>/);
    const plain = await get('/requests/r-2');
    assert.equal(plain.statusCode, 200);
    assert.doesNotMatch(plain.body, /staging-section|<h2>Staging<\/h2>|\/ui\/requests\/r-2\/staging/);
    assert.match((await get('/ui/requests/r-2/staging')).body, /Not staging now/);
    assert.match((await get('/ui/assets/dashboard.css')).body, /\.state-staging \{/, 'the staging state has its badge');
    await app.close();
  });

  test('what a request holds is escaped on its page', async () => {
    const { app, api } = await testServer();
    api.requests.set('r-1', fakeView({ source: 'panda:/<script>alert(1)</script>', message: '"><img src=x>' }));
    const { cookie } = await login(app, 'read');
    const page = await app.inject({ method: 'GET', url: '/requests/r-1', headers: { cookie: `barge_session=${cookie}` } });
    assert.doesNotMatch(page.body, /<script>alert/);
    assert.match(page.body, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.doesNotMatch(page.body, /<img src=x>/);
    await app.close();
  });
});

describe('the API from a dashboard session', () => {
  test('a session cookie reads the API (GET, the event stream) but never changes anything through it', async () => {
    const { app, api } = await testServer();
    api.requests.set('r-1', fakeView());
    const { cookie } = await login(app, 'admin');
    const headers = { cookie: `barge_session=${cookie}` };
    assert.equal((await app.inject({ method: 'GET', url: '/api/requests/r-1', headers })).statusCode, 200);
    assert.equal((await app.inject({ method: 'GET', url: '/api/requests/r-1/samples', headers })).statusCode, 200);
    assert.equal((await app.inject({ method: 'POST', url: '/api/requests/r-1/cancel', headers, payload: {} })).statusCode, 401);
    assert.equal((await app.inject({ method: 'GET', url: '/api/requests/r-1', headers: { cookie: 'barge_session=made-up' } })).statusCode, 401);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const controller = new AbortController();
    const res = await fetch(`http://127.0.0.1:${port}/api/events`, { headers, signal: controller.signal });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    controller.abort();
    await app.close();
  });
});

describe('POST /api/requests/:id/priority and the samples', () => {
  test('an admin token changes the priority, as its actor; out of range is 400; a read token 403', async () => {
    const { app, api } = await testServer();
    api.requests.set('r-1', fakeView());
    const ok = await app.inject({ method: 'POST', url: '/api/requests/r-1/priority', headers: ADMIN, payload: { priority: 8 } });
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.json<{ priority: number }>().priority, 8);
    assert.deepEqual(api.calls.find((c) => c.method === 'setPriority')?.args, ['r-1', 8, 'ops']);
    assert.equal((await app.inject({ method: 'POST', url: '/api/requests/r-1/priority', headers: ADMIN, payload: { priority: 11 } })).statusCode, 400);
    assert.equal((await app.inject({ method: 'POST', url: '/api/requests/r-1/priority', headers: READ, payload: { priority: 3 } })).statusCode, 403);
    api.requests.set('r-2', fakeView({ id: 'r-2', state: 'succeeded' }));
    assert.equal((await app.inject({ method: 'POST', url: '/api/requests/r-2/priority', headers: ADMIN, payload: { priority: 3 } })).statusCode, 409);
    await app.close();
  });

  test('samples of one request (404 for an unknown one) and of all, after a time', async () => {
    const { app, api } = await testServer();
    api.requests.set('r-1', fakeView());
    api.sampleList = [{ t: 1000, bytes: 0, files: 0, rate: 0 }, { t: 2000, bytes: 500, files: 1, rate: 500 }];
    const one = await app.inject({ method: 'GET', url: '/api/requests/r-1/samples?after=1000', headers: READ });
    assert.deepEqual(one.json(), { items: [{ t: 2000, bytes: 500, files: 1, rate: 500 }] });
    assert.equal((await app.inject({ method: 'GET', url: '/api/requests/nope/samples', headers: READ })).statusCode, 404);
    assert.equal((await app.inject({ method: 'GET', url: '/api/samples', headers: READ })).json<{ items: unknown[] }>().items.length, 2);
    await app.close();
  });
});

test('the pages\' JavaScript, as served, is under 100 KB gzipped', () => {
  let total = 0;
  for (const [name, a] of loadAssets()) if (name.endsWith('.js')) total += gzipSync(a.body, { level: 9 }).length;
  assert.ok(total > 20_000, `htmx and uPlot are served (${total} bytes)`);
  assert.ok(total < 100 * 1024, `${total} bytes gzipped`);
});
