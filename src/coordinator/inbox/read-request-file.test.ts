// Tests of reading one inbox file: real files; JSON and TOML (a TOML date becomes the text
// the API takes), and each refusal with its message.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { BargeError } from '../../core/errors.js';
import { readRequestFile } from './read-request-file.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'barge-inbox-read-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function read(name: string, bytes: string | Buffer, max = 1024): ReturnType<typeof readRequestFile> {
  writeFileSync(path.join(dir, name), bytes);
  return readRequestFile(path.join(dir, name), name, max);
}

function refusal(fn: () => unknown): string {
  try { fn(); } catch (e) {
    assert.ok(e instanceof BargeError, String(e));
    assert.equal(e.code, 'E_BAD_INPUT');
    return e.message;
  }
  assert.fail('expected E_BAD_INPUT');
}

test('JSON and TOML give the same document; a TOML date is ISO 8601 text; the key hashes the bytes', () => {
  const json = read('a.json', '{"source": "a:/", "destination": "b:/", "deadline": "2030-01-02T03:04:05.000Z", "filters": {"rules": [{"kind": "exclude", "pattern": "*.o"}]}}');
  const toml = read('a.toml', 'source = "a:/"\ndestination = "b:/"\ndeadline = 2030-01-02T03:04:05Z\n[filters]\nrules = [{ kind = "exclude", pattern = "*.o" }]\n');
  assert.deepEqual(toml.value, json.value);
  assert.match(json.sha256, /^[0-9a-f]{64}$/);
  assert.notEqual(json.sha256, toml.sha256);
  assert.equal(read('b.json', '{"source": "a:/", "destination": "b:/", "deadline": "2030-01-02T03:04:05.000Z", "filters": {"rules": [{"kind": "exclude", "pattern": "*.o"}]}}').sha256, json.sha256);
});

test('refusals say what is wrong with the file', () => {
  assert.match(refusal(() => read('c.json', '{"source": ')), /^c\.json: not valid JSON: /);
  assert.match(refusal(() => read('c.toml', 'source = = 1')), /^c\.toml: not valid TOML: /);
  assert.equal(refusal(() => read('c.yaml', 'source: a')), 'c.yaml: a request file is named *.json or *.toml');
  assert.equal(refusal(() => read('d.json', Buffer.from([0x7b, 0xff, 0x7d]))), 'd.json: not UTF-8 text');
  assert.match(refusal(() => read('e.json', `{"x": "${'y'.repeat(2000)}"}`)), /^e\.json: 1\.96 KiB \(2009 bytes\) is larger than the inbox's max_size of 1\.00 KiB$/);
});
