// The worker pool with threads that announce they are ready: real threads.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EarlyThreads, WorkerPool } from '../src/engine/worker-pool.js';

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

const READY_WORKER = new URL('./helpers/ready-worker.js', import.meta.url);

test('a task still waiting for a thread can be taken back and settled by the caller', async () => {
  const pool = new WorkerPool<number>(READY_WORKER, { bootMs: 200 }, 1, { announcesReady: true });
  try {
    const first = pool.run(1);
    const second = pool.run(2);
    assert.equal(pool.steal((n) => n === 3), undefined, 'nothing matches');
    const taken = pool.steal((n) => n === 2);
    assert.equal(taken?.task, 2);
    taken?.resolve({ counters: { filesCopied: 42 }, errors: [], events: [] });
    assert.equal((await second).counters.filesCopied, 42, 'settled by the caller');
    assert.equal((await first).counters.filesCopied, 1, 'the thread ran only the first');
    assert.equal(pool.steal(() => true), undefined, 'nothing waits any more');
  } finally {
    await pool.close();
  }
});

test('a task that may not grow the pool waits for the thread it has, and starts one only when there is none', async () => {
  const pool = new WorkerPool<number>(READY_WORKER, { bootMs: 50 }, 3, { announcesReady: true });
  try {
    const first = await pool.run(1, false);
    assert.equal(first.counters.filesCopied, 1);
    assert.equal(pool.started, 1, 'an empty pool starts a thread even for a task that may not grow it');
    const light = await Promise.all([2, 3, 4].map((n) => pool.run(n, false)));
    assert.deepEqual(light.map((r) => r.counters.filesCopied), [2, 3, 4]);
    assert.equal(pool.started, 1, 'tasks that may not grow the pool queued for its one thread');
    await Promise.all([5, 6].map((n) => pool.run(n)));
    assert.ok(pool.started > 1, 'tasks that may grow it started more threads');
  } finally {
    await pool.close();
  }
});

test('threads started early get their data from the pool that takes them, and run its tasks', async () => {
  const early = new EarlyThreads(READY_WORKER, 2);
  const pool = new WorkerPool<number>(READY_WORKER, { bootMs: 0, tag: 'from-the-pool' }, 2, { announcesReady: true, early: early.take(2) });
  try {
    assert.deepEqual([pool.started, pool.ready], [2, 0]);
    const results = await Promise.all([1, 2, 3, 4].map((n) => pool.run(n)));
    assert.deepEqual(results.map((r) => r.landed), Array(4).fill(['from-the-pool']));
    assert.equal(pool.started, 2, 'no thread started beyond the two taken');
  } finally {
    await pool.close();
  }
});

test('early threads beyond what is taken are stopped, and none keeps the process waiting', async () => {
  const early = new EarlyThreads(READY_WORKER, 3);
  const taken = early.take(1);
  assert.equal(taken.length, 1);
  const pool = new WorkerPool<number>(READY_WORKER, { bootMs: 0 }, 1, { announcesReady: true, early: taken });
  try {
    assert.equal((await pool.run(1)).counters.filesCopied, 1);
  } finally {
    await pool.close();
  }
});

test('a pool given more early threads than its capacity stops the extra ones', { timeout: 60_000 }, async () => {
  const taken = new EarlyThreads(READY_WORKER, 3).take(3);
  const exits = taken.slice(1).map((w) => new Promise((resolve) => w.once('exit', resolve)));
  const pool = new WorkerPool<number>(READY_WORKER, { bootMs: 0 }, 1, { announcesReady: true, early: taken });
  try {
    assert.equal(pool.started, 1);
    await Promise.all(exits); // the two beyond capacity end
    assert.equal((await pool.run(1)).counters.filesCopied, 1);
  } finally {
    await pool.close();
  }
});

test('early threads that nobody takes do not keep the process alive', () => {
  // the helper starts two, sees them up and waiting for data, and ends its script
  const r = spawnSync(process.execPath, [fileURLToPath(new URL('./helpers/untaken-early-threads.js', import.meta.url))], { encoding: 'utf8', timeout: 60_000 });
  assert.deepEqual([r.status, r.signal, r.stderr, r.stdout], [0, null, '', 'live: 2\n']);
});

test('an early thread that failed before it was taken is not handed out: the pool starts a fresh one', async () => {
  const early = new EarlyThreads(new URL('./helpers/no-such-worker.js', import.meta.url), 1);
  while (early.count > 0) await new Promise((resolve) => setTimeout(resolve, 20)); // until its load has failed
  const taken = early.take(1);
  assert.equal(taken.length, 0);
  const pool = new WorkerPool<number>(READY_WORKER, { bootMs: 0, tag: 'fresh' }, 1, { announcesReady: true, early: taken });
  try {
    assert.deepEqual((await pool.run(1)).landed, ['fresh']);
  } finally {
    await pool.close();
  }
});
