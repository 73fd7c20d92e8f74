import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BargeError } from './errors.js';
import { formatBytes, parseAge, parseCount, parseRate, parseSize } from './units.js';

test('sizes: bare letters are powers of 1024, xB of 1000', () => {
  assert.equal(parseSize('200M'), 200 * 1024 * 1024);
  assert.equal(parseSize('1.5G'), 1.5 * 1024 ** 3);
  assert.equal(parseSize('10KB'), 10_000);
  assert.equal(parseSize('3MiB'), 3 * 1024 * 1024);
  assert.equal(parseSize('42'), 42);
  for (const bad of ['', 'M', '12Q', '-1', '1e3', 'ten']) assert.throws(() => parseSize(bad), BargeError, bad);
});

test('rates, ages and counts', () => {
  assert.equal(parseRate('200M/s'), 200 * 1024 * 1024);
  assert.throws(() => parseRate('0'), /at least 1 byte per second/);
  assert.throws(() => parseRate('0.1'), /at least 1 byte per second/);
  assert.equal(parseAge('7d'), 7 * 86400);
  assert.equal(parseAge('90'), 90);
  assert.equal(parseAge('15m'), 900);
  assert.equal(parseAge('2H'), 7200);
  assert.equal(parseAge('1M'), 30 * 86400, 'M is a month, as in rclone');
  assert.equal(parseAge('1y'), 365 * 86400);
  assert.throws(() => parseAge('soon'), BargeError);
  assert.throws(() => parseAge('3ms'), /bad age '3ms'/);
  assert.throws(() => parseAge('9'.repeat(400) + 'y'), /bad age '9+y': too large/);
  assert.throws(() => parseAge('999999999999y'), /too large/);
  assert.equal(parseCount('5', 'n'), 5);
  assert.throws(() => parseCount('1.5', 'n'), /whole number/);
  assert.throws(() => parseCount('0', '--transfers', 1), /at least 1/);
});

test('bytes print with binary units', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.50 KiB');
  assert.equal(formatBytes(200 * 1024 * 1024), '200 MiB');
});
