import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { BandwidthLimiter } from './bandwidth-limiter.js';

// The cap is a correctness property (never faster than the rate), so the lower bound on
// elapsed time is what is checked; nothing asserts how fast anything is.
test('never lets more than the rate (plus the 50 ms burst) through', () => {
  const rate = 10 * 1024 * 1024;
  const limiter = new BandwidthLimiter(rate, BandwidthLimiter.sharedMemory(), new Int32Array(new SharedArrayBuffer(4)));
  const start = process.hrtime.bigint();
  const total = 4 * 1024 * 1024;
  for (let sent = 0; sent < total; sent += 256 * 1024) limiter.acquire(256 * 1024);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  assert.ok(seconds >= total / rate - 0.05 - 0.256 / 10, `took ${seconds}s for ${total / rate}s of budget`);
});

// The interrupt reaches a thread asleep in acquire: another thread sets the abort cell
// and notifies, as barge sync's SIGINT handler does (raiseAbort).
test('a sleeper wakes when the abort cell is raised, and is told the run was aborted', async () => {
  const abort = new Int32Array(new SharedArrayBuffer(4));
  const limiter = new BandwidthLimiter(1024, BandwidthLimiter.sharedMemory(), abort);
  assert.equal(limiter.acquire(1024 * 1024), true, 'the first write goes at once, and books the next 17 minutes');
  // from another thread, 300 ms from now (this one is blocked in Atomics.wait by then)
  const w = new Worker(`const { workerData: a } = require('node:worker_threads');
    setTimeout(() => { Atomics.store(a, 0, 1); Atomics.notify(a, 0); }, 300);`, { eval: true, workerData: abort });
  const start = Date.now();
  const granted = limiter.acquire(1); // its slot is 17 minutes away
  const ms = Date.now() - start;
  await w.terminate();
  assert.equal(granted, false);
  assert.ok(ms < 5000, `woke after ${ms} ms`);
  // once aborted, no caller sleeps at all
  const again = Date.now();
  assert.equal(limiter.acquire(1024 * 1024), false);
  assert.ok(Date.now() - again < 1000);
});
