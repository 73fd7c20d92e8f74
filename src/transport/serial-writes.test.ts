// SerialWrites: one write in flight per handle; what waited meanwhile goes in one call
// when it is contiguous, in order otherwise; a failure reaches exactly the writes it took.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SerialWrites } from './serial-writes.js';

function recorder(fail?: (at: number) => boolean): { calls: [number, string[]][]; release: () => void; write: (parts: readonly Buffer[], at: number) => Promise<void> } {
  const calls: [number, string[]][] = [];
  const pending: (() => void)[] = [];
  return {
    calls,
    release: () => { for (const r of pending.splice(0)) r(); },
    write: (parts, at) => {
      calls.push([at, parts.map((p) => p.toString())]);
      return new Promise((resolve, reject) => pending.push(() => (fail?.(at) ? reject(new Error(`failed at ${at}`)) : resolve())));
    },
  };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

test('one write at a time; contiguous slices that waited go together, a gap starts a new call', async () => {
  const r = recorder();
  const s = new SerialWrites(r.write);
  const done = [s.add(Buffer.from('ab'), 0), s.add(Buffer.from('cd'), 2), s.add(Buffer.from('ef'), 4), s.add(Buffer.from('zz'), 100)];
  assert.deepEqual(r.calls, [[0, ['ab']]], 'only the first is written while it is in flight');
  r.release();
  await settle();
  assert.deepEqual(r.calls, [[0, ['ab']], [2, ['cd', 'ef']]]);
  r.release();
  await settle();
  assert.deepEqual(r.calls.at(-1), [100, ['zz']]);
  r.release();
  await Promise.all(done);
});

test('a failed call rejects the writes it carried, and the queue goes on', async () => {
  const r = recorder((at) => at === 2);
  const s = new SerialWrites(r.write);
  const results = [s.add(Buffer.from('ab'), 0), s.add(Buffer.from('cd'), 2), s.add(Buffer.from('ef'), 4), s.add(Buffer.from('gh'), 10)].map((p) => p.then(() => 'ok', (e: Error) => e.message));
  for (let i = 0; i < 3; i++) { r.release(); await settle(); }
  assert.deepEqual(await Promise.all(results), ['ok', 'failed at 2', 'failed at 2', 'ok']);
});
