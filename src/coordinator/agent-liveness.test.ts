import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TaskReport } from '../core/agent-wire.js';
import type { ErrorCode } from '../core/error-codes.js';
import { AgentLiveness } from './agent-liveness.js';
import { PushLoad } from './push-load.js';

const failed = (taskId: number, code: ErrorCode): TaskReport => ({ taskId, result: { counters: {}, errors: [{ code, message: code === 'E_NETWORK' ? 'ECONNREFUSED' : 'disk', retryable: true }], events: [] } });

/** the liveness over the push load, as remote-agents.ts wires them: a report ends its push after liveness looked */
function wired(leaseMs: number): { l: AgentLiveness; load: PushLoad; report: (r: TaskReport, now: number) => void } {
  const load = new PushLoad(leaseMs, () => 0);
  const l = new AgentLiveness(leaseMs, load);
  return { l, load, report: (r, now) => { l.reported([r], now); load.ended(r.taskId); } };
}

test('an agent a push could not reach is not alive until it is heard from again; other failures do not count', () => {
  const { l, load, report } = wired(30_000);
  const b1 = { name: 'b1', lastSeen: 1000 };
  assert.equal(l.alive(b1, 2000), true);
  load.started(7, 'b1', 0);
  load.started(8, 'b1', 0);
  report(failed(8, 'E_IO'), 2500);
  assert.equal(l.alive(b1, 3000), true, 'an I/O error is not a lost agent');
  report(failed(7, 'E_NETWORK'), 3000);
  assert.equal(l.alive(b1, 3500), false, 'lost at once, long before its lease would time out');
  assert.equal(l.alive({ name: 'b1', lastSeen: 4000 }, 4500), true, 'a heartbeat after the failure brings it back');
  assert.equal(l.alive({ name: 'b2', lastSeen: 1000 }, 40_000), false, 'silent past the lease timeout');
});

test('a network failure of a task that pushes nowhere (or was reported already) marks no agent', () => {
  const { l, load, report } = wired(30_000);
  load.started(7, 'b1', 0);
  report(failed(7, 'E_IO'), 2000);
  report(failed(7, 'E_NETWORK'), 2500);
  report(failed(9, 'E_NETWORK'), 2500);
  assert.equal(l.alive({ name: 'b1', lastSeen: 1000 }, 3000), true);
});

test('a lost agent is lost since its lease ran out, or since a push could not reach it if that was first', () => {
  const { l, load, report } = wired(30_000);
  assert.equal(l.lostSince({ name: 'b1', lastSeen: 1000 }, 2000), undefined, 'alive: not lost');
  assert.equal(l.lostSince({ name: 'b1', lastSeen: 1000 }, 40_000), 31_000, 'silent: lost when its lease ran out');
  load.started(7, 'b1', 0);
  report(failed(7, 'E_NETWORK'), 3000);
  assert.equal(l.lostSince({ name: 'b1', lastSeen: 1000 }, 3500), 3000, 'a push that failed: lost then');
  assert.equal(l.lostSince({ name: 'b1', lastSeen: 1000 }, 40_000), 3000, 'the earlier of the two');
  assert.equal(l.lostSince({ name: 'b1', lastSeen: 4000 }, 4500), undefined, 'heard from again: alive');
});
