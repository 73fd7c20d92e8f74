// Endpoints, sites, agents and ls through fastify's inject, over a FakeCoordinatorApi.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorOf, READ, testServer } from './test-support/test-server.js';

test('GET /api/endpoints: 200 with every endpoint', async () => {
  const { app } = await testServer();
  const res = await app.inject({ method: 'GET', url: '/api/endpoints', headers: READ });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { items: [
    { name: 'panda', kind: 'posix', path: '/mnt/panda', write: false, site: 'sdsc' },
    { name: 'badger', kind: 'posix', path: '/mnt/badger', write: true, site: 'sdsc' },
  ] });
  await app.close();
});

test('GET /api/sites: 200 with each site and its endpoints', async () => {
  const { app } = await testServer();
  const res = await app.inject({ method: 'GET', url: '/api/sites', headers: READ });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { items: [{ name: 'sdsc', endpoints: ['panda', 'badger'] }] });
  await app.close();
});

test('GET /api/agents: 200 with startedAt, lastSeen and lostSince as ISO times, each agent alive or lost', async () => {
  const { app, api } = await testServer();
  api.agentList.push({
    id: 'b1', name: 'b1', site: 'b', endpoints: ['badger'], slots: 2, running: 0, coordinator: 'c1', dataAddress: '10.0.0.7:7701',
    startedAt: Date.UTC(2026, 10, 22, 9), lastSeen: Date.UTC(2026, 10, 22, 9, 30), state: 'lost', lostSince: Date.UTC(2026, 10, 22, 9, 30, 30),
  });
  const res = await app.inject({ method: 'GET', url: '/api/agents', headers: READ });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { items: [{
    id: 'a-1', name: 'local@host', site: 'sdsc', endpoints: ['panda'], coordinator: 'c1',
    startedAt: '2026-11-22T09:00:00.000Z', lastSeen: '2026-11-22T10:00:00.000Z', state: 'alive', slots: 4, running: 2,
  }, {
    id: 'b1', name: 'b1', site: 'b', endpoints: ['badger'], coordinator: 'c1', startedAt: '2026-11-22T09:00:00.000Z',
    lastSeen: '2026-11-22T09:30:00.000Z', state: 'lost', lostSince: '2026-11-22T09:30:30.000Z', slots: 2, running: 0, dataAddress: '10.0.0.7:7701',
  }] });
  await app.close();
});

test('GET /api/endpoints/:name/ls: 200, items sorted by name, the path echoed', async () => {
  const { app, api } = await testServer();
  const res = await app.inject({ method: 'GET', url: '/api/endpoints/panda/ls?path=%2Fsub%2Fdir', headers: READ });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), {
    endpoint: 'panda', path: '/sub/dir', items: [
      { name: 'a', type: 'dir', size: 0, mtimeNs: '1700000000000000001', mode: 0o755 },
      { name: 'b.dat', type: 'file', size: 2, mtimeNs: '1700000000000000002', mode: 0o644 },
    ],
  });
  assert.deepEqual(api.calls.at(-1), { method: 'ls', args: ['panda', '/sub/dir'] });
  await app.close();
});

test('GET /api/endpoints/:name/ls without ?path lists the root', async () => {
  const { app, api } = await testServer();
  const res = await app.inject({ method: 'GET', url: '/api/endpoints/badger/ls', headers: READ });
  assert.equal(res.statusCode, 200);
  assert.equal(res.json<{ path: string }>().path, '/');
  assert.deepEqual(api.calls.at(-1)?.args, ['badger', '/']);
  await app.close();
});

test('GET /api/endpoints/:name/ls: 404 E_NOT_FOUND for an unknown endpoint', async () => {
  const { app } = await testServer();
  const res = await app.inject({ method: 'GET', url: '/api/endpoints/otter/ls?path=/', headers: READ });
  assert.equal(res.statusCode, 404);
  assert.equal(errorOf(res.body).code, 'E_NOT_FOUND');
  await app.close();
});

test('GET /api/endpoints/:name/ls: 400 E_PATH_ESCAPE for a path outside the endpoint', async () => {
  const { app } = await testServer();
  const res = await app.inject({ method: 'GET', url: '/api/endpoints/panda/ls?path=/../etc', headers: READ });
  assert.equal(res.statusCode, 400);
  assert.equal(errorOf(res.body).code, 'E_PATH_ESCAPE');
  await app.close();
});

test('GET /api/endpoints/:name/ls: 400 naming params/name for a name no endpoint can have, and querystring/x for an unknown parameter', async () => {
  const { app, api } = await testServer();
  const badName = await app.inject({ method: 'GET', url: '/api/endpoints/a%20b/ls', headers: READ });
  assert.equal(badName.statusCode, 400);
  assert.match(errorOf(badName.body).message, /^params\/name must match pattern/);
  const extra = await app.inject({ method: 'GET', url: '/api/endpoints/panda/ls?x=1', headers: READ });
  assert.equal(extra.statusCode, 400);
  assert.match(errorOf(extra.body).message, /^querystring\/x is not allowed/);
  assert.equal(api.calls.length, 0);
  await app.close();
});
