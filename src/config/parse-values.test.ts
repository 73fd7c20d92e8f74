// Tests of the text forms config values accept: databases, listen addresses, durations, booleans.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLoopback, parseBoolText, parseDb, parseDuration, parseListen } from './parse-values.js';
import { defaultStateDir, defaultTransfers } from './service-config.js';

test('databases: postgres URLs, sqlite paths under the base folder, memory', () => {
  assert.deepEqual(parseDb('postgres://u@h/db', 'w', '/b'), { kind: 'postgres', url: 'postgres://u@h/db' });
  assert.deepEqual(parseDb('postgresql://u@h:5433/x', 'w', '/b'), { kind: 'postgres', url: 'postgresql://u@h:5433/x' });
  assert.deepEqual(parseDb('memory', 'w', '/b'), { kind: 'memory' });
  assert.deepEqual(parseDb('sqlite:/tmp/x.db', 'w', '/b'), { kind: 'sqlite', path: '/tmp/x.db' });
  assert.deepEqual(parseDb('sqlite:x.db', 'w', '/b'), { kind: 'sqlite', path: '/b/x.db' });
  assert.deepEqual(parseDb('rel/x.db', 'w', '/b'), { kind: 'sqlite', path: '/b/rel/x.db' });
  assert.throws(() => parseDb('http://h', 'BARGE_DB', '/b'), /^BargeError: BARGE_DB: expected a postgres:\/\/ URL/);
});

test('listen addresses: host names, IPv4, IPv6 in brackets; port 0 to 65535', () => {
  assert.deepEqual(parseListen('127.0.0.1:7700', 'w'), { host: '127.0.0.1', port: 7700 });
  assert.deepEqual(parseListen('[::1]:80', 'w'), { host: '::1', port: 80 });
  assert.deepEqual(parseListen('node-7.example.org:0', 'w'), { host: 'node-7.example.org', port: 0 });
  for (const bad of ['x', ':7700', '7700', '::1:7700', '[::1]', 'h:', 'h:-1', 'h:1.5', 'a b:1', '[x]:1', 'h:65536']) {
    assert.throws(() => parseListen(bad, 'w'), /^BargeError: w: /, bad);
  }
  assert.deepEqual(['127.0.0.1', '::1', 'localhost', 'LocalHost', '0.0.0.0', '::', '10.0.0.1'].map(isLoopback),
    [true, true, true, true, false, false, false]);
});

test('durations in milliseconds; a plain number is seconds', () => {
  assert.deepEqual(['250ms', '45', '1.5', '30s', '5m', '1h', ' 2 m ', '7d'].map((t) => parseDuration(t, 'w')),
    [250, 45_000, 1500, 30_000, 300_000, 3_600_000, 120_000, 7 * 86_400_000]);
  for (const bad of ['', 's', '1w', '25d', '-1s', '1e3', '0', '0.0001', '597h']) assert.throws(() => parseDuration(bad, 'w'), /^BargeError: w: /, bad);
});

test('booleans from text, and the defaults that depend on the host', () => {
  assert.deepEqual(['true', '1', 'FALSE', '0'].map((t) => parseBoolText(t, 'w')), [true, true, false, false]);
  assert.throws(() => parseBoolText('yes', 'w'), /expected true, false, 1 or 0, got "yes"/);
  assert.deepEqual([1, 2, 8, 16, 64].map(defaultTransfers), [2, 2, 8, 16, 16]);
  assert.equal(defaultStateDir({ HOME: '/h', XDG_STATE_HOME: '' }), '/h/.local/state/barge');
});
