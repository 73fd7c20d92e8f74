// The worker pool with threads that announce they are ready: real threads.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WorkerPool } from '../src/engine/worker-pool.js';

test('a pool whose threads announce readiness counts them ready only then, and runs what waited', async () => {
  const pool = new WorkerPool<number>(new URL('./helpers/ready-worker.js', import.meta.url), { bootMs: 150 }, 2, { announcesReady: true });
  try {
    pool.warm();
    assert.deepEqual([pool.started, pool.ready], [2, 0]);
    const results = await Promise.all([1, 2, 3].map((n) => pool.run(n)));
    assert.ok(pool.ready >= 1);
    // every task that waited ran once: over two threads [1, 1, 2], or all on the first one up
    assert.ok([[1, 1, 2], [1, 2, 3]].some((want) => JSON.stringify(results.map((r) => r.counters.filesCopied).sort()) === JSON.stringify(want)));
  } finally {
    await pool.close();
  }
});

test('a pool of plain threads counts a thread ready as soon as it is started', async () => {
  const pool = new WorkerPool<number>(new URL('./helpers/ready-worker.js', import.meta.url), { bootMs: 0 }, 1);
  try {
    const r = await pool.run(1);
    assert.deepEqual([pool.started, pool.ready, r.counters.filesCopied], [1, 1, 1]);
  } finally {
    await pool.close();
  }
});
