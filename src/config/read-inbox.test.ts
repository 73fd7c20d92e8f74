// Tests of `[inbox]`, --inbox and BARGE_INBOX: real TOML files, the defaults, the order
// flag > environment > file, and each refusal with its message.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { BargeError } from '../core/errors.js';
import { loadServiceConfig } from './load-config.js';
import type { ConfigFlags } from './service-config.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'barge-inbox-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function load(toml: string | undefined, env: NodeJS.ProcessEnv = {}, flags: ConfigFlags = {}) {
  const file = toml === undefined ? undefined : path.join(dir, `barge-${++n}.toml`);
  if (file !== undefined) writeFileSync(file, toml ?? '');
  return loadServiceConfig({ file, flags, env: { HOME: '/home/u', ...env } });
}

function refusal(fn: () => unknown): string {
  try { fn(); } catch (e) {
    assert.ok(e instanceof BargeError, String(e));
    assert.equal(e.code, 'E_CONFIG');
    return e.message.replace(/\/\S*\/barge-\d+\.toml/g, 'barge.toml');
  }
  assert.fail('expected an E_CONFIG error');
}

test('no inbox unless a folder is named; its defaults: 2 s quiet, 16 MiB', () => {
  assert.equal(load(undefined).inbox, undefined);
  assert.equal(load('').inbox, undefined);
  assert.deepEqual(load('[inbox]\npath = "drop"\n').inbox, { path: path.join(dir, 'drop'), quietMs: 2000, maxBytes: 16 * 1024 * 1024 });
});

test('quiet and max_size from the file; the folder from a flag beats the environment, which beats the file', () => {
  const toml = '[inbox]\npath = "/from/file"\nquiet = "5s"\nmax_size = "1M"\n';
  assert.deepEqual(load(toml).inbox, { path: '/from/file', quietMs: 5000, maxBytes: 1024 * 1024 });
  assert.equal(load(toml, { BARGE_INBOX: '/from/env' }).inbox?.path, '/from/env');
  assert.equal(load(toml, { BARGE_INBOX: '/from/env' }, { inbox: '/from/flag' }).inbox?.path, '/from/flag');
  assert.equal(load(undefined, {}, { inbox: 'rel' }).inbox?.path, path.resolve('rel'), 'a flag is relative to the working directory');
  assert.equal(load('[inbox]\npath = "/x"\nmax_size = 4096\n').inbox?.maxBytes, 4096, 'a plain number is bytes');
  assert.equal(load('[inbox]\npath = "/x"\nquiet = 3\n').inbox?.quietMs, 3000, 'a plain number is seconds');
});

test('refusals name the key', () => {
  assert.equal(refusal(() => load('[inbox]\npaht = "/x"\n')), 'barge.toml: inbox.paht: unknown key');
  assert.equal(refusal(() => load('[inbox]\nquiet = "2s"\n')), 'barge.toml: inbox.path: is required in [inbox]');
  assert.match(refusal(() => load('[inbox]\npath = "/x"\nmax_size = "1T"\n')), /^barge\.toml: inbox\.max_size: must be 1 byte to 128 MiB/);
  assert.match(refusal(() => load('[inbox]\npath = "/x"\nmax_size = "lots"\n')), /^barge\.toml: inbox\.max_size: bad max_size 'lots'/);
  assert.match(refusal(() => load('[inbox]\npath = "/x"\nquiet = "soon"\n')), /^barge\.toml: inbox\.quiet: expected a duration/);
  assert.match(refusal(() => load('[inbox]\npath = ""\n')), /^barge\.toml: inbox\.path: must not be empty/);
  assert.match(refusal(() => load('inbox = "/x"\n')), /^barge\.toml: inbox: expected a table/);
});
