// Failed dashboard logins lock an address for the rest of their window; only failures count,
// each address on its own, and the table of addresses stays bounded.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LOGIN_FAILURES_MAX, LOGIN_WINDOW_MS, LoginThrottle } from './login-throttle.js';

test('an address is locked by its tenth failure within the window, until the window of its first has passed', () => {
  let now = 1_000_000;
  const t = new LoginThrottle(() => now);
  for (let i = 1; i < LOGIN_FAILURES_MAX; i++) {
    assert.equal(t.failed('10.0.0.1'), false);
    now += 1000;
    assert.equal(t.lockedFor('10.0.0.1'), 0, `not locked after ${i} failures`);
  }
  assert.equal(t.failed('10.0.0.1'), true, 'the failure that locks says so, once');
  assert.equal(t.lockedFor('10.0.0.1'), LOGIN_WINDOW_MS - (LOGIN_FAILURES_MAX - 1) * 1000);
  assert.equal(t.lockedFor('10.0.0.2'), 0, 'another address is not held back');
  now = 1_000_000 + LOGIN_WINDOW_MS - 1;
  assert.equal(t.lockedFor('10.0.0.1'), 1);
  now += 1;
  assert.equal(t.lockedFor('10.0.0.1'), 0, 'free once the window has passed');
  assert.equal(t.failed('10.0.0.1'), false, 'and it counts afresh');
});

test('failures spread wider than the window never lock', () => {
  let now = 0;
  const t = new LoginThrottle(() => now);
  for (let i = 0; i < 3 * LOGIN_FAILURES_MAX; i++) {
    assert.equal(t.failed('a'), false);
    now += LOGIN_WINDOW_MS / (LOGIN_FAILURES_MAX - 1);
  }
  assert.equal(t.lockedFor('a'), 0);
});

test('the table of addresses is bounded: the oldest is forgotten first', () => {
  const t = new LoginThrottle(() => 0);
  for (let i = 0; i < LOGIN_FAILURES_MAX; i++) t.failed('first');
  assert.ok(t.lockedFor('first') > 0);
  for (let i = 0; i < 10_000; i++) t.failed(`other-${i}`);
  assert.equal(t.lockedFor('first'), 0, 'forgotten after 10,000 newer addresses');
  assert.equal(t.failed('other-9999'), false);
});
