import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FairShare } from './fair-share.js';

/** leases one slot at a time, `rounds` times, every candidate always having work */
function serve(share: FairShare, cands: { id: string; weight: number }[], rounds: number, slots = 1): Map<string, number> {
  const got = new Map(cands.map((c) => [c.id, 0]));
  for (let r = 0; r < rounds; r++) {
    const a = share.allocate(cands, slots);
    share.record(cands, a, a);
    cands.forEach((c, i) => got.set(c.id, (got.get(c.id) ?? 0) + (a[i] ?? 0)));
  }
  return got;
}

test('slots go in proportion to weight, and the lighter request is never starved', () => {
  const got = serve(new FairShare(), [{ id: 'lo', weight: 2 }, { id: 'hi', weight: 8 }], 100);
  assert.deepEqual([got.get('hi'), got.get('lo')], [80, 20]);
  const big = serve(new FairShare(), [{ id: 'a', weight: 1 }, { id: 'b', weight: 3 }, { id: 'c', weight: 6 }], 10, 10);
  assert.deepEqual([big.get('a'), big.get('b'), big.get('c')], [10, 30, 60]);
});

test('the first slot goes to the higher weight; every slot is given', () => {
  const s = new FairShare();
  assert.deepEqual(s.allocate([{ id: 'l', weight: 1 }, { id: 'h', weight: 9 }], 1), [0, 1]);
  assert.deepEqual(s.allocate([{ id: 'x', weight: 5 }], 7), [7]);
  assert.deepEqual(s.allocate([], 3), []);
  assert.deepEqual(s.allocate([{ id: 'x', weight: 5 }], 0), [0]);
});

test('a newcomer starts level with the others, not at zero: it does not take every slot to catch up', () => {
  const s = new FairShare();
  serve(s, [{ id: 'old', weight: 5 }], 1000);
  const got = serve(s, [{ id: 'old', weight: 5 }, { id: 'new', weight: 5 }], 100);
  assert.deepEqual([got.get('old'), got.get('new')], [50, 50]);
});

test('a request with no queued work banks no credit: when work comes back it shares, it does not burst', () => {
  const s = new FairShare();
  const both = [{ id: 'a', weight: 5 }, { id: 'b', weight: 5 }];
  for (let r = 0; r < 500; r++) {
    const al = s.allocate(both, 1);
    // b has nothing queued: whatever it is offered it takes none, and a takes its place
    s.record(both, al, [(al[0] ?? 0) + (al[1] ?? 0), 0]);
  }
  const got = serve(s, both, 100);
  assert.ok(Math.abs((got.get('a') ?? 0) - (got.get('b') ?? 0)) <= 2, `shared evenly: ${JSON.stringify([...got])}`);
});
