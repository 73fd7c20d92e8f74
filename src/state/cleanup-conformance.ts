// The StateStore conformance case of a canceled request's cleanup (its partial files
// removed at CLEANUP_PHASE), registered by stateConformance with its `it`.
import assert from 'node:assert/strict';
import { CLEANUP_PHASE } from '../core/request-states.js';
import { lease, running, task, T0 } from './conformance-helpers.js';
import { MAX_AGE_MS } from './runnable-requests.js';
import type { StateStore } from './state-store.js';

type It = (title: string, body: (h: { store: StateStore }) => Promise<void>) => void;

export function cleanupConformance(it: It): void {
  it('a canceled request runs its tasks at CLEANUP_PHASE only, and leaves the runnable list once they are done; groupHeads gives one payload per group', async ({ store: s }) => {
    await running(s, 'c');
    await s.enqueue('c', [task('chunk', 'f1-0', { groupKey: 'f1' }), task('chunk', 'f1-1', { groupKey: 'f1' }), task('chunk', 'f2-0', { groupKey: 'f2' }), task('copy', 'x')], T0);
    assert.deepEqual(await s.groupHeads('c', 'chunk'), ['f1-0', 'f2-0']);
    await s.setRequestState('c', ['running'], 'canceled', T0);
    await s.cancelTasks('c', { leased: true }, T0);
    await s.enqueue('c', [task('abort', 'gone', { phase: CLEANUP_PHASE })], T0);
    assert.deepEqual(await lease(s, 'ag', { capacity: 5, leaseMs: 60_000 }, T0), [], 'not at CLEANUP_PHASE yet: nothing runs');
    await s.setRequestState('c', ['canceled'], 'canceled', T0, { phase: CLEANUP_PHASE });
    const got = await lease(s, 'ag', { capacity: 5, leaseMs: 60_000 }, T0);
    assert.deepEqual(got.map((t) => t.payload), ['gone']);
    await s.completeMany('ag', got.map((t) => ({ taskId: t.id, completion: {} })), T0);
    await new Promise((r) => setTimeout(r, MAX_AGE_MS + 50)); // a completion keeps the read list, a hint, for its short life
    assert.deepEqual((await s.runnableRequests()).map((r) => r.id), [], 'its cleanup done, it is not listed');
    assert.equal((await s.getRequest('c'))?.state, 'canceled');
  });
}
