// The watch's event stream over a real socket: a change of its request cuts a long wait
// short, others do not; a coordinator without the stream leaves the watch polling.
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { ApiClient } from './api-client.js';
import { RequestAnnouncements } from './request-announcements.js';

async function serve(handler: http.RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => { server.closeAllConnections(); return new Promise((r) => server.close(() => r())); } };
}

const LONG = 60_000;

test('a change of the watched request ends a wait at once; a change of another does not', async () => {
  let send: ((text: string) => void) | undefined;
  let auth: string | undefined;
  const s = await serve((req, res) => {
    auth = req.headers.authorization;
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(': connected\n\n');
    send = (t) => res.write(t);
  });
  const heard = new RequestAnnouncements(new ApiClient({ baseUrl: s.url, token: 'tok' }), 'r1');
  try {
    await heard.wait(LONG); // the stream opening is itself a wake-up: look once after subscribing
    assert.equal(heard.live, true);
    assert.equal(auth, 'Bearer tok');
    let ended = false;
    const waiting = heard.wait(LONG).then(() => { ended = true; });
    send?.('event: request\ndata: {"id":"r2","state":"succeeded"}\n\n');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(ended, false, 'another request\'s change woke the watch');
    send?.('event: request\ndata: {"id":"r1","state":"succeeded"}\n\n');
    await waiting;
    assert.equal(ended, true);
  } finally {
    heard.stop();
    await s.close();
  }
});

test('without the stream (404) the watch is not live and its waits run their time', async () => {
  const s = await serve((_req, res) => { res.writeHead(404).end('{}'); });
  const heard = new RequestAnnouncements(new ApiClient({ baseUrl: s.url, token: undefined }), 'r1');
  try {
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(heard.live, false);
    const t0 = process.hrtime.bigint();
    await heard.wait(300);
    assert.ok(process.hrtime.bigint() - t0 >= 250_000_000n, 'a wait without the stream ended early');
  } finally {
    heard.stop();
    await s.close();
  }
});
