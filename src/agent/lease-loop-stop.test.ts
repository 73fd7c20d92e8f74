// An agent that is told to stop while its lease waits (a long poll over HTTP) does not
// wait the poll out: the lease is abandoned at once, and a coordinator that never answers
// does not hold the agent's exit.
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { AgentLink, LeasedWork } from '../core/agent-wire.js';
import { NO_LOG } from '../core/log-sink.js';
import { HttpAgentLink } from './http-agent-link.js';
import { LeaseLoop } from './lease-loop.js';

test('stop() ends a lease that is still waiting, and the loop leases no more', async () => {
  let leases = 0;
  let abandoned = 0;
  const link: AgentLink = {
    // a coordinator with no work that never ends its long poll: only the signal ends it
    lease: (_id, _capacity, signal) => new Promise<LeasedWork[]>((_resolve, reject) => {
      leases++;
      signal?.addEventListener('abort', () => { abandoned++; reject(signal.reason instanceof Error ? signal.reason : new Error('aborted')); }, { once: true });
    }),
    report: () => Promise.resolve(),
    heartbeat: () => Promise.resolve(),
    onCancel: () => () => undefined,
  };
  let closed = false;
  const loop = new LeaseLoop(link, {
    id: 'a1', slots: 2, pollMs: 10, heartbeatMs: 60_000, log: NO_LOG, peer: 'the coordinator',
    runner: { run: () => Promise.reject(new Error('no task was leased')), cancel: () => undefined, close: () => { closed = true; return Promise.resolve(); } },
  });
  loop.start();
  while (leases === 0) await new Promise((r) => setImmediate(r));
  await loop.stop(); // hangs (and the test times out) if the lease is waited for
  assert.equal(abandoned, 1, 'the waiting lease was abandoned');
  assert.equal(leases, 1, 'no lease after stop');
  assert.ok(closed, 'the runner was closed');
});

test('HttpAgentLink: an aborted lease ends with the signal\'s reason, and the coordinator sees the call closed', async () => {
  let closedByAgent!: () => void;
  const seen = new Promise<void>((resolve) => { closedByAgent = resolve; });
  let arrived!: () => void;
  const waiting = new Promise<void>((resolve) => { arrived = resolve; });
  // a coordinator that takes the lease and never answers it
  let requests = 0;
  const server = http.createServer((req) => { requests++; req.resume(); req.socket.once('close', () => closedByAgent()); arrived(); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const link = new HttpAgentLink(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 'token');
    const stop = new AbortController();
    const lease = link.lease('a1', 1, stop.signal);
    await waiting;
    stop.abort(new Error('the agent is stopping'));
    await assert.rejects(lease, /the agent is stopping/);
    await seen;
    // one already aborted is not sent
    await assert.rejects(link.lease('a1', 1, stop.signal), /the agent is stopping/);
    assert.equal(requests, 1);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
