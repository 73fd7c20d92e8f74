// Tests of `[tls]` and its flags and environment: PEM files read from where each setting
// came from, relative paths from the config file's folder, refusals naming the key.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { BargeError } from '../core/errors.js';
import { loadServiceConfig } from './load-config.js';
import type { ConfigFlags } from './service-config.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'barge-tls-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// the loader checks the PEM markers, not the cryptography: fastify and tls do that at listen/connect
const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';
mkdirSync(path.join(dir, 'pki'));
writeFileSync(path.join(dir, 'pki/cert.pem'), CERT);
writeFileSync(path.join(dir, 'pki/key.pem'), KEY);
writeFileSync(path.join(dir, 'pki/ca.pem'), CERT.replace('MIIB', 'MIIC'));
writeFileSync(path.join(dir, 'not-pem.txt'), 'hello\n');

function load(toml: string | undefined, env: NodeJS.ProcessEnv = {}, flags: ConfigFlags = {}) {
  let file: string | undefined;
  if (toml !== undefined) writeFileSync((file = path.join(dir, 'barge.toml')), toml);
  return loadServiceConfig({ file, flags, env: { HOME: '/home/u', ...env } });
}

function refusal(fn: () => unknown): string {
  try { fn(); } catch (e) {
    assert.ok(e instanceof BargeError, String(e));
    assert.equal(e.code, 'E_CONFIG');
    return e.message.replaceAll(dir, 'DIR');
  }
  assert.fail('expected an E_CONFIG error');
}

test('without [tls] the API is plain HTTP and the system CAs are trusted', () => {
  assert.deepEqual(load(undefined).tls, {});
  assert.deepEqual(load('name = "c"\n').tls, {});
});

test('[tls] paths are taken from the file\'s folder; the PEM text is read', () => {
  const c = load('[tls]\ncert = "pki/cert.pem"\nkey = "pki/key.pem"\nca = "pki/ca.pem"\n');
  assert.deepEqual(c.tls?.server, { cert: CERT, key: KEY });
  assert.match(c.tls?.ca ?? '', /MIIC/);
});

test('flags beat the environment, which beats the file', () => {
  const fromEnv = load('[tls]\ncert = "missing.pem"\nkey = "missing.key"\n', {
    BARGE_TLS_CERT: path.join(dir, 'pki/cert.pem'), BARGE_TLS_KEY: path.join(dir, 'pki/key.pem'),
  });
  assert.deepEqual(fromEnv.tls?.server, { cert: CERT, key: KEY });
  const fromFlags = load(undefined, { BARGE_TLS_CA: path.join(dir, 'missing.pem') }, {
    tlsCert: path.join(dir, 'pki/cert.pem'), tlsKey: path.join(dir, 'pki/key.pem'), tlsCa: path.join(dir, 'pki/ca.pem'),
  });
  assert.deepEqual(fromFlags.tls?.server, { cert: CERT, key: KEY });
  assert.match(fromFlags.tls?.ca ?? '', /MIIC/);
});

test('refusals name where the setting came from and why', () => {
  assert.equal(refusal(() => load('[tls]\ncert = "pki/cert.pem"\n')),
    'DIR/barge.toml: tls.cert: a TLS certificate and its key go together: give both tls.cert and tls.key (or --tls-cert and --tls-key)');
  assert.equal(refusal(() => load(undefined, {}, { tlsKey: path.join(dir, 'pki/key.pem') })),
    '--tls-key: a TLS certificate and its key go together: give both tls.cert and tls.key (or --tls-cert and --tls-key)');
  assert.equal(refusal(() => load('[tls]\ncert = "nope.pem"\nkey = "pki/key.pem"\n')), 'DIR/barge.toml: tls.cert: cannot read DIR/nope.pem: no such file');
  assert.equal(refusal(() => load(undefined, { BARGE_TLS_CA: path.join(dir, 'not-pem.txt') })), 'BARGE_TLS_CA: DIR/not-pem.txt holds no PEM certificate');
  assert.equal(refusal(() => load(undefined, {}, { tlsCert: path.join(dir, 'pki/cert.pem'), tlsKey: path.join(dir, 'pki/cert.pem') })),
    '--tls-key: DIR/pki/cert.pem holds no PEM private key');
  assert.equal(refusal(() => load('[tls]\ncertificate = "x"\n')), 'DIR/barge.toml: tls.certificate: unknown key');
});
