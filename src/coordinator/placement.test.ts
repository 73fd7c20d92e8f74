import assert from 'node:assert/strict';
import { test } from 'node:test';
import { placementOf, placementsFor, RoundRobin, unplaceable, type PlacedAgent } from './placement.js';

/** receives: whether it has a data address others can push to */
const agent = (id: string, endpoints: string[], receives = true): PlacedAgent => ({ id, name: id, endpoints, dataAddress: receives ? `${id}:7701` : undefined });
const a1 = agent('a1', ['panda']);
const a2 = agent('a2', ['panda']);
const b1 = agent('b1', ['badger']);
const b2 = agent('b2', ['badger']);
const both = agent('ab', ['panda', 'badger']);
const r = { id: 'r1', src: 'panda', dst: 'badger' };

test('an agent that reaches both endpoints copies locally, and then no one pushes', () => {
  assert.deepEqual(placementOf(both, r, [a1, b1, both]), { mode: 'local' });
  assert.equal(placementOf(a1, r, [a1, b1, both]), undefined);
  assert.equal(placementOf(b1, r, [a1, b1, both]), undefined);
});

test('otherwise source agents push to every live destination agent with a data address', () => {
  const p = placementOf(a1, r, [a1, a2, b1, b2, agent('b3', ['badger'], false)]);
  assert.equal(p?.mode, 'push');
  assert.deepEqual(p?.mode === 'push' ? p.to.map((a) => a.id) : [], ['b1', 'b2']);
  assert.equal(placementOf(b1, r, [a1, b1]), undefined, 'a destination agent does not lease: it cannot read the source');
  assert.deepEqual([...placementsFor(a2, [r, { id: 'r2', src: 'badger', dst: 'panda' }], [a1, a2, b1]).keys()], ['r1']);
});

test('unplaceable names the missing side', () => {
  assert.match(unplaceable(r, [b1]) ?? '', /source endpoint 'panda'/);
  assert.match(unplaceable(r, [a1, agent('b9', ['badger'], false)]) ?? '', /destination endpoint 'badger'/);
  assert.equal(unplaceable(r, [a1, b1]), undefined);
  assert.equal(unplaceable(r, [both]), undefined);
});

test('round robin takes each destination in turn, per request', () => {
  const rr = new RoundRobin();
  assert.deepEqual([1, 2, 3, 4].map(() => rr.pick('r1', ['x', 'y', 'z'])), ['x', 'y', 'z', 'x']);
  assert.equal(rr.pick('r2', ['x', 'y']), 'x');
});

test('a turn may start elsewhere, and goes on from there', () => {
  const rr = new RoundRobin();
  assert.deepEqual([1, 2, 3, 4].map(() => rr.pick('r1\0a2', ['x', 'y', 'z'], 1)), ['y', 'z', 'x', 'y']);
  assert.deepEqual([1, 2].map(() => rr.pick('r1\0a3', ['x', 'y', 'z'], 5)), ['z', 'x']);
});
