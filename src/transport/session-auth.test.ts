// Who may open a session: token proofs bound to a nonce and a scope, and coordinator
// grants checked for signature, expiry, agent, endpoint, subtree and write.
import assert from 'node:assert/strict';
import { sign } from 'node:crypto';
import { describe, test } from 'node:test';
import { BargeError } from '../core/errors.js';
import {
  checkGrant, newGrantKeys, newNonce, privateKeyFromPem, privateKeyPem, proofMatches, publicKeyFromPem, publicKeyPem, signGrant,
  tokenProof, type GrantClaims, type SessionScope,
} from './session-auth.js';

const NOW = 1_800_000_000_000;
const scope: SessionScope = { endpoint: 'data', path: 'runs/42', write: true };
const keys = newGrantKeys();
const otherKeys = newGrantKeys();
const claims: GrantClaims = { agent: 'agent-a', endpoint: 'data', path: 'runs', write: true, exp: NOW + 60_000, request: 'r-1' };

function refused(fn: () => unknown, why: RegExp, what: string): void {
  assert.throws(fn, (e: unknown) => e instanceof BargeError && e.code === 'E_AUTH' && why.test(e.message), what);
}

/** a grant whose body is exactly these bytes, signed with the coordinator's key */
function signedBody(body: string): string {
  const b = Buffer.from(body);
  return `${b.toString('base64url')}.${sign(null, b, keys.privateKey).toString('base64url')}`;
}

describe('token proofs', () => {
  const nonce = newNonce();
  const proof = tokenProof('s3cret', nonce, scope);

  test('a proof made with a token the agent holds is accepted, among several tokens', () => {
    assert.equal(proofMatches(['s3cret'], proof, nonce, scope), true);
    assert.equal(proofMatches(['old', 's3cret', 'other'], proof, nonce, scope), true);
    assert.equal(proof.includes('s3cret'), false, 'the token is not in the proof');
  });

  test('a wrong token, no tokens, or a proof that is not one, are refused', () => {
    assert.equal(proofMatches(['s3cret!'], proof, nonce, scope), false);
    assert.equal(proofMatches([], proof, nonce, scope), false);
    assert.equal(proofMatches(['s3cret'], '', nonce, scope), false);
    assert.equal(proofMatches(['s3cret'], proof.slice(1), nonce, scope), false);
    assert.equal(proofMatches(['s3cret'], 'é'.repeat(proof.length), nonce, scope), false);
  });

  test('a proof is bound to its nonce and its scope: replayed elsewhere it fails', () => {
    assert.equal(proofMatches(['s3cret'], proof, newNonce(), scope), false, 'another nonce');
    assert.equal(proofMatches(['s3cret'], proof, nonce, { ...scope, endpoint: 'scratch' }), false, 'another endpoint');
    assert.equal(proofMatches(['s3cret'], proof, nonce, { ...scope, path: 'runs/43' }), false, 'another path');
    assert.equal(proofMatches(['s3cret'], proof, nonce, { ...scope, path: '' }), false, 'the endpoint root');
    assert.equal(proofMatches(['s3cret'], proof, nonce, { ...scope, write: false }), false, 'read instead of write');
    const ro = tokenProof('s3cret', nonce, { ...scope, write: false });
    assert.equal(proofMatches(['s3cret'], ro, nonce, scope), false, 'a read proof used to write');
  });

  test('fields cannot be shifted from one part of the scope to another', () => {
    const n = 'abc';
    const a = tokenProof('t', n, { endpoint: 'data', path: 'x', write: true });
    assert.notEqual(a, tokenProof('t', n, { endpoint: 'datax', path: '', write: true }));
    assert.notEqual(a, tokenProof('t', `${n}data`, { endpoint: '', path: 'x', write: true }));
  });

  test('nonces are long and do not repeat', () => {
    const seen = new Set(Array.from({ length: 1000 }, () => newNonce()));
    assert.equal(seen.size, 1000);
    for (const n of seen) assert.match(n, /^[A-Za-z0-9_-]{43}$/);
  });
});

describe('grants', () => {
  const grant = signGrant(keys.privateKey, claims);
  const check = (g: string, s: SessionScope = scope, agent = 'agent-a', now = NOW): GrantClaims => checkGrant([keys.publicKey], g, agent, s, now);

  test('a valid grant is accepted and its claims returned, also among several keys', () => {
    assert.deepEqual(check(grant), claims);
    assert.deepEqual(checkGrant([otherKeys.publicKey, keys.publicKey], grant, 'agent-a', scope, NOW), claims);
    assert.deepEqual(check(grant, { ...scope, path: 'runs' }), claims, 'the granted directory itself');
    assert.deepEqual(check(signGrant(keys.privateKey, { ...claims, agent: '*' }), scope, 'any-agent').agent, '*');
  });

  test('a grant signed with another key (a forged one) is refused', () => {
    refused(() => check(signGrant(otherKeys.privateKey, claims)), /bad signature/, 'other key');
    refused(() => checkGrant([], grant, 'agent-a', scope, NOW), /bad signature/, 'no keys at all');
  });

  test('tampered claims or signature are refused', () => {
    const [body, sig] = grant.split('.') as [string, string];
    const wider = Buffer.from(JSON.stringify({ ...claims, path: '' })).toString('base64url');
    refused(() => check(`${wider}.${sig}`), /bad signature/, 'claims widened, old signature');
    const later = Buffer.from(JSON.stringify({ ...claims, exp: NOW + 10 ** 9 })).toString('base64url');
    refused(() => check(`${later}.${sig}`), /bad signature/, 'expiry pushed back');
    const s = Buffer.from(sig, 'base64url');
    s[0] = (s[0] ?? 0) ^ 1;
    refused(() => check(`${body}.${s.toString('base64url')}`), /bad signature/, 'one bit of the signature');
  });

  test('an expired grant is refused, at its expiry and after', () => {
    refused(() => check(grant, scope, 'agent-a', claims.exp), /expired/, 'at exp');
    refused(() => check(grant, scope, 'agent-a', claims.exp + 3_600_000), /expired/, 'an hour later');
    assert.ok(check(grant, scope, 'agent-a', claims.exp - 1), 'a millisecond before');
  });

  test('a grant for another agent or another endpoint is refused', () => {
    refused(() => check(grant, scope, 'agent-b'), /agent/, 'other agent');
    refused(() => check(grant, { ...scope, endpoint: 'scratch' }), /endpoint/, 'other endpoint');
  });

  test('a path outside the granted subtree is refused, including a name that merely starts the same', () => {
    for (const p of ['', 'run', 'runsx', 'runs2/a', 'other/runs', 'database']) refused(() => check(grant, { ...scope, path: p }), /issued for/, `path '${p}'`);
    const data = signGrant(keys.privateKey, { ...claims, path: 'data' });
    refused(() => check(data, { ...scope, path: 'database' }), /issued for/, "granted 'data', asked 'database'");
    assert.ok(check(data, { ...scope, path: 'data/base' }));
    const all = signGrant(keys.privateKey, { ...claims, path: '' });
    assert.ok(check(all, { ...scope, path: 'anything/below' }), "'' grants the whole endpoint");
  });

  test('a read-only grant cannot open a write session, but reads with it are fine', () => {
    const ro = signGrant(keys.privateKey, { ...claims, write: false });
    refused(() => check(ro), /read-only/, 'write with a read grant');
    assert.ok(check(ro, { ...scope, write: false }));
    assert.ok(check(grant, { ...scope, write: false }), 'a write grant may read');
  });

  test('malformed grants are refused with E_AUTH, whatever their shape', () => {
    for (const g of ['', 'abc', '.sig', 'body.', '....', 'x'.repeat(9000) + '.y']) refused(() => check(g), /malformed|bad signature/, `grant ${JSON.stringify(g.slice(0, 12))}`);
    for (const body of ['not json', 'null', '[]', '"text"', '42', '{}', JSON.stringify({ ...claims, exp: String(claims.exp) }), JSON.stringify({ ...claims, write: 'yes' })]) {
      refused(() => check(signedBody(body)), /malformed/, `signed body ${body.slice(0, 30)}`);
    }
  });

  test('keys go to PEM and back; text that is not a key is E_CONFIG', () => {
    const pub = publicKeyFromPem(publicKeyPem(keys.publicKey));
    const priv = privateKeyFromPem(privateKeyPem(keys.privateKey));
    assert.deepEqual(checkGrant([pub], signGrant(priv, claims), 'agent-a', scope, NOW), claims);
    assert.throws(() => publicKeyFromPem('not a key'), (e: unknown) => e instanceof BargeError && e.code === 'E_CONFIG');
    assert.throws(() => privateKeyFromPem('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'), (e: unknown) => e instanceof BargeError && e.code === 'E_CONFIG');
  });
});
