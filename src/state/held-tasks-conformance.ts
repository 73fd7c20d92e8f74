// The StateStore conformance case of tasks held until staged (a request from an archive),
// registered by stateConformance with its `it`, so every engine runs it.
import assert from 'node:assert/strict';
import { HELD_UNTIL_STAGED } from '../core/request-states.js';
import { lease } from './conformance-helpers.js';
import type { NewTask, StateStore } from './state-store.js';

type It = (title: string, body: (h: { store: StateStore }) => Promise<void>) => void;

const T0 = 1_700_000_000_000;
const held = (payload: string): NewTask => ({ kind: 'copy', phase: 0, payload, items: 1, bytes: 10, notBefore: HELD_UNTIL_STAGED });

export function heldTasksConformance(it: It): void {
  it('held tasks are never leased and keep the phase open; started, their replacements run; failed, their errors count', async ({ store: s }) => {
    await s.createRequest({ id: 'r', priority: 5, source: 'a:/', destination: 'b:/', srcEndpoint: 'a', dstEndpoint: 'b', spec: '{}' }, T0);
    await s.setRequestState('r', ['queued'], 'staging', T0, { phase: 0 });
    await s.enqueue('r', [held('a'), held('b'), held('c')], T0);
    assert.deepEqual(await lease(s, 'ag', { capacity: 10, leaseMs: 1000 }, T0 + 1), [], 'held: not leased');
    assert.equal((await s.phaseState('r', 0)).open, 3, 'held tasks keep the phase open');
    const all = await s.heldTasks('r', 0);
    assert.deepEqual(all.map((h) => h.payload), ['a', 'b', 'c']);
    const [a, b, c] = all.map((h) => h.id) as [number, number, number];
    assert.deepEqual((await s.heldTasks('r', a)).map((h) => h.payload), ['b', 'c'], 'only those after an id');

    const ids = await s.startHeld('r', [a, b], [{ kind: 'copy', phase: 0, payload: 'ab', items: 2, bytes: 20 }], T0 + 2);
    assert.equal(ids?.length, 1);
    assert.equal(await s.startHeld('r', [a], [{ kind: 'copy', phase: 0, payload: 'again', items: 1, bytes: 10 }], T0 + 3), undefined, 'no longer held: nothing changes');
    const got = await lease(s, 'ag', { capacity: 10, leaseMs: 1000 }, T0 + 3);
    assert.deepEqual(got.map((t) => [t.id, t.payload]), [[ids?.[0], 'ab']], 'the started task runs, the held one does not');
    assert.deepEqual(await s.openTaskIds([a, c, ids?.[0] ?? -1]), [c, ids?.[0]].sort((x, y) => (x ?? 0) - (y ?? 0)));

    assert.equal(await s.failHeld('r', [c], [{ path: 'c', code: 'E_ARCHIVE', message: 'lost' }], T0 + 4), true);
    assert.equal(await s.failHeld('r', [c], [{ path: 'c', code: 'E_ARCHIVE', message: 'lost' }], T0 + 5), false);
    assert.deepEqual(await s.heldTasks('r', 0), []);
    assert.equal((await s.getRequest('r'))?.counters.failed, 1);
    assert.deepEqual((await s.listErrors('r', 10, 0)).items.map((e) => [e.path, e.code]), [['c', 'E_ARCHIVE']]);

    assert.equal(await s.complete('ag', ids?.[0] ?? -1, { manifest: [{ path: 'a', size: 10, mtimeNs: '1', hash: 'x:1' }] }, T0 + 6), true);
    assert.deepEqual(await s.manifestHas('r', ['a', 'b', 'z']), ['a']);
    assert.deepEqual(await s.openTaskIds([ids?.[0] ?? -1]), []);
  });
}
