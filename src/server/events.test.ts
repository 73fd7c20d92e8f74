// GET /api/events over a real socket (inject waits for an end an event stream never reaches):
// a change reaches the client as `event: request`, and the listener goes when the client does.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { fakeView } from './test-support/fake-coordinator-api.js';
import { errorOf, READ, testServer } from './test-support/test-server.js';

/** Opens the stream; resolves with the answer once its first line (the subscription) has come. */
function subscribe(port: number): Promise<{ res: http.IncomingMessage; req: http.ClientRequest; text: () => string; next: (re: RegExp) => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ port, path: '/api/events', headers: READ }, (res) => {
      let text = '';
      const waiting: { re: RegExp; done: () => void }[] = [];
      const check = (): void => {
        for (const w of [...waiting]) if (w.re.test(text)) { waiting.splice(waiting.indexOf(w), 1); w.done(); }
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { text += chunk; check(); });
      const next = (re: RegExp): Promise<void> => new Promise((done) => { waiting.push({ re, done }); check(); });
      void next(/^: connected\n\n/).then(() => resolve({ res, req, text: () => text, next }));
    });
    req.on('error', reject);
  });
}

test('SSE: a request change reaches the client as `event: request` with the view as data', async () => {
  const { app, api } = await testServer();
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const s = await subscribe(port);
  assert.equal(s.res.statusCode, 200);
  assert.match(String(s.res.headers['content-type']), /^text\/event-stream/);
  assert.equal(api.changeListeners.size, 1);

  const view = fakeView({ id: 'r-7', state: 'running' });
  api.emit(view);
  await s.next(/event: request\ndata: .*\n\n/);
  const m = /event: request\ndata: (.*)\n\n/.exec(s.text());
  assert.deepEqual(JSON.parse(m?.[1] ?? 'null'), view);

  // the client leaves: the server drops its listener
  s.req.destroy();
  for (let i = 0; i < 100 && api.changeListeners.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(api.changeListeners.size, 0);
  await app.close();
});

test('SSE: app.close() ends open streams instead of waiting for them forever', async () => {
  const { app, api } = await testServer();
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const s = await subscribe(port);
  const ended = new Promise<void>((r) => s.res.on('end', r));
  await app.close();
  await ended;
  assert.equal(api.changeListeners.size, 0);
});

test('SSE: no token is 401 E_AUTH (the stream is never opened)', async () => {
  const { app, api } = await testServer();
  const res = await app.inject({ method: 'GET', url: '/api/events' });
  assert.equal(res.statusCode, 401);
  assert.equal(errorOf(res.body).code, 'E_AUTH');
  assert.equal(api.changeListeners.size, 0);
  await app.close();
});
