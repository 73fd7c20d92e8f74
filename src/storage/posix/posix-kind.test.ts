// The posix kind: its endpoint table is read with the config loader's checks and messages, and
// an agent's storage keeps reads under the root.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { posixKind } from './posix-kind.js';
import { PosixStorage } from './posix-storage.js';

const WHERE = 'barge.toml: endpoints.panda';

function parseError(table: Record<string, unknown>): string {
  try {
    posixKind.parseEndpoint(table, WHERE);
  } catch (e) {
    assert.equal((e as { code?: unknown }).code, 'E_CONFIG');
    return (e as Error).message;
  }
  assert.fail('expected an E_CONFIG error');
}

test('an absolute path is the endpoint; the keys every endpoint has are left to the config reader', () => {
  assert.deepEqual(posixKind.parseEndpoint({ path: '/srv/data', write: true, site: 's', kind: 'posix' }, WHERE), { kind: 'posix', path: '/srv/data' });
  assert.deepEqual(posixKind.keys, ['path']);
});

test('path: missing, empty, not a string or not absolute is E_CONFIG naming the key and why', () => {
  assert.equal(parseError({}), `${WHERE}.path: missing (required)`);
  assert.equal(parseError({ path: '' }), `${WHERE}.path: must not be empty`);
  assert.equal(parseError({ path: 5 }), `${WHERE}.path: expected a string, got 5`);
  assert.equal(parseError({ path: true }), `${WHERE}.path: expected a string, got true`);
  assert.equal(parseError({ path: ['/a'] }), `${WHERE}.path: expected a string, got an array`);
  assert.equal(parseError({ path: { a: 1 } }), `${WHERE}.path: expected a string, got a table`);
  assert.equal(parseError({ path: new Date(0) }), `${WHERE}.path: expected a string, got a date (1970-01-01T00:00:00.000Z)`);
  assert.equal(parseError({ path: 'data/here' }), `${WHERE}.path: must be an absolute path, got "data/here"`);
  assert.equal(parseError({ path: './data' }), `${WHERE}.path: must be an absolute path, got "./data"`);
});

test('open: a relative root made by hand is refused', () => {
  assert.throws(() => posixKind.open({ kind: 'posix', path: 'rel' }, {}), { code: 'E_CONFIG', message: /absolute path, got "rel"/ });
});

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-posix-kind-'));
after(() => fs.rmSync(work, { recursive: true, force: true }));

test('open: reads are confined to the root for an agent and a local sync alike (issue 25: a local sync as root reads trees others may write)', async () => {
  fs.mkdirSync(path.join(work, 'root'));
  fs.mkdirSync(path.join(work, 'outside'));
  fs.writeFileSync(path.join(work, 'outside', 'f'), 'secret');
  fs.symlinkSync(path.join(work, 'outside'), path.join(work, 'root', 'out'));
  const local = posixKind.open({ kind: 'posix', path: path.join(work, 'root') }, {});
  const agent = posixKind.open({ kind: 'posix', path: path.join(work, 'root') }, { forAgent: true });
  assert.ok(local instanceof PosixStorage && agent instanceof PosixStorage);
  await assert.rejects(() => local.stat('out/f'), { code: 'E_PATH_ESCAPE' });
  await assert.rejects(() => agent.stat('out/f'), { code: 'E_PATH_ESCAPE' });
});
