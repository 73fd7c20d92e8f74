import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BandwidthLimiter } from './bandwidth-limiter.js';

// The cap is a correctness property (never faster than the rate), so the lower bound on
// elapsed time is what is checked; nothing asserts how fast anything is.
test('never lets more than the rate (plus the 50 ms burst) through', () => {
  const rate = 10 * 1024 * 1024;
  const limiter = new BandwidthLimiter(rate, BandwidthLimiter.sharedMemory());
  const start = process.hrtime.bigint();
  const total = 4 * 1024 * 1024;
  for (let sent = 0; sent < total; sent += 256 * 1024) limiter.acquire(256 * 1024);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  assert.ok(seconds >= total / rate - 0.05 - 0.256 / 10, `took ${seconds}s for ${total / rate}s of budget`);
});
