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
  // rsync's reading: a bare number is KiB/s, B says bytes, 0 is no limit
  assert.equal(parseRate('100'), 100 * 1024);
  assert.equal(parseRate('0.5'), 512);
  assert.equal(parseRate('512B'), 512);
  assert.equal(parseRate('10KB'), 10_000);
  assert.equal(parseRate('1.5k'), 1536);
  assert.equal(parseRate('0'), undefined);
  assert.equal(parseRate('0K'), undefined);
  assert.throws(() => parseRate('0.4B'), /bad --bwlimit '0.4B': less than 1 byte per second/);
  assert.throws(() => parseRate('0.0001'), /less than 1 byte per second/);
  assert.throws(() => parseRate('fast'), /bad --bwlimit 'fast'/);
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
