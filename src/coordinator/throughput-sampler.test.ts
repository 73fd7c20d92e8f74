// The sampler over a real (in-memory SQL) store: a sample a tick per running or paused
// request with its rate, two last samples when it ends so the line falls to 0, none of a
// request that never ran, and the rate of all requests together.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openMemoryStore } from '../state/memory/open-memory.js';
import { ThroughputSampler } from './throughput-sampler.js';

const T0 = 1_700_000_000_000;

test('samples running requests each tick; an ended one falls to 0 and stops; a paused one goes on at 0', async () => {
  const store = await openMemoryStore();
  let now = T0;
  const movedBy = new Map<string, { bytes: number }>();
  const sampler = new ThroughputSampler(store, () => now, () => movedBy);
  const req = (id: string) => ({ id, priority: 5, source: 'a:/', destination: 'b:/', srcEndpoint: 'a', dstEndpoint: 'b', spec: '{}' });
  await store.createRequest(req('r'), T0);
  await store.createRequest(req('idle'), T0);
  await store.setRequestState('r', ['queued'], 'running', T0);
  const tick = async (bytes: number, files: number): Promise<void> => {
    if (bytes > 0) await store.addCounters('r', { bytesCopied: bytes, filesCopied: files }, now);
    movedBy.set('agent-1', { bytes: (movedBy.get('agent-1')?.bytes ?? 0) + bytes });
    await sampler.sample();
    now += 1000;
  };
  await tick(0, 0);
  await tick(2000, 2);
  await tick(3000, 1);
  assert.deepEqual(sampler.of('r').map((s) => [s.bytes, s.files, s.rate]), [[0, 0, 0], [2000, 2, 2000], [5000, 3, 3000]]);
  assert.deepEqual(sampler.agentRates(), { 'agent-1': 3000 }, 'an agent\'s rate: what it reported over the last tick');
  await store.setRequestState('r', ['running'], 'paused', now, { pausedFrom: 'running' });
  await tick(1000, 1); // a task in flight finishes after the pause: still counted
  await tick(0, 0);
  assert.deepEqual(sampler.of('r').slice(3).map((s) => [s.bytes, s.rate]), [[6000, 1000], [6000, 0]]);
  await store.setRequestState('r', ['paused'], 'canceled', now);
  await tick(0, 0); // its last counters
  await tick(0, 0); // its idle sample
  await tick(0, 0); // nothing more
  const all = sampler.of('r');
  assert.equal(all.length, 7);
  assert.deepEqual(all.slice(5).map((s) => [s.bytes, s.rate]), [[6000, 0], [6000, 0]]);
  assert.deepEqual(sampler.of('r', all[5]?.t), all.slice(6), 'after: only later samples');
  assert.deepEqual(sampler.of('idle'), [], 'a request that never ran has no samples');
  assert.deepEqual(sampler.all().map((s) => s.rate), [0, 2000, 3000, 1000, 0, 0, 0, 0]);
  assert.deepEqual(sampler.agentRates(), { 'agent-1': 0 });
  await store.close();
});
