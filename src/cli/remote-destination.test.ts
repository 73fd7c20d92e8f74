import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { tlsChoice } from './remote-destination.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-tls-choice-'));
const pem = (name: string, body: string): string => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`);
  return f;
};

test('--tls-ca wins; --tls alone trusts BARGE_CA, else the system; BARGE_CA alone leaves TLS off', () => {
  const flagCa = pem('flag.pem', 'FLAG');
  const envCa = pem('env.pem', 'ENV');
  const env = { BARGE_CA: envCa };
  assert.match(tlsChoice({ tlsCa: flagCa }, env).ca ?? '', /FLAG/);
  assert.equal(tlsChoice({ tlsCa: flagCa }, env).use, true);
  assert.match(tlsChoice({ tls: true }, env).ca ?? '', /ENV/);
  assert.deepEqual(tlsChoice({ tls: true }, {}), { use: true });
  assert.deepEqual(tlsChoice({}, env), { use: false });
  assert.throws(() => tlsChoice({ tls: true }, { BARGE_CA: path.join(dir, 'missing.pem') }), /cannot read BARGE_CA/);
  fs.rmSync(dir, { recursive: true, force: true });
});
