// Who may open a data-plane session. Two ways in: a token shared with a lone agent,
// proved by an HMAC over the agent's one-time challenge (the token itself never crosses
// the wire), or a grant the coordinator signed with its Ed25519 key for one endpoint,
// path and time window (the agent holds only the public key, so it cannot mint grants).
import { createHmac, generateKeyPairSync, sign, timingSafeEqual, verify, randomBytes, type KeyObject, createPublicKey, createPrivateKey } from 'node:crypto';
import { BargeError } from '../core/errors.js';

export const NONCE_BYTES = 32;

export function newNonce(): string {
  return randomBytes(NONCE_BYTES).toString('base64url');
}

/** what a session asks for; the proof and the grant both cover it */
export interface SessionScope {
  endpoint: string;
  /** '/'-separated, no leading slash, '' for the endpoint root */
  path: string;
  write: boolean;
}

function scopeText(nonce: string, s: SessionScope): string {
  return ['barge-data-v1', nonce, s.endpoint, s.path, s.write ? 'rw' : 'ro'].join('\0');
}

export function tokenProof(token: string, nonce: string, scope: SessionScope): string {
  return createHmac('sha256', token).update(scopeText(nonce, scope)).digest('base64url');
}

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** true when `proof` was made from one of `tokens` for this nonce and scope */
export function proofMatches(tokens: readonly string[], proof: string, nonce: string, scope: SessionScope): boolean {
  let ok = false;
  // every token is tried, so the time taken does not tell which one was close
  for (const t of tokens) if (sameSecret(tokenProof(t, nonce, scope), proof)) ok = true;
  return ok;
}

export interface GrantClaims {
  /** the receiving agent's name, or '*' for any agent that serves the endpoint */
  agent: string;
  endpoint: string;
  /** the subtree the grant covers ('' = the whole endpoint) */
  path: string;
  write: boolean;
  /** expiry, ms since the epoch */
  exp: number;
  /** the request it was issued for (for logs) */
  request?: string;
}

export interface GrantKeys {
  publicKey: KeyObject;
  privateKey: KeyObject;
}

export function newGrantKeys(): GrantKeys {
  return generateKeyPairSync('ed25519');
}

export function publicKeyPem(k: KeyObject): string {
  return k.export({ type: 'spki', format: 'pem' }).toString();
}

export function privateKeyPem(k: KeyObject): string {
  return k.export({ type: 'pkcs8', format: 'pem' }).toString();
}

export function publicKeyFromPem(pem: string): KeyObject {
  try { return createPublicKey(pem); } catch (e) {
    throw new BargeError('E_CONFIG', `not a public key: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export function privateKeyFromPem(pem: string): KeyObject {
  try { return createPrivateKey(pem); } catch (e) {
    throw new BargeError('E_CONFIG', `not a private key: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export function signGrant(key: KeyObject, claims: GrantClaims): string {
  const body = Buffer.from(JSON.stringify(claims));
  return `${body.toString('base64url')}.${sign(null, body, key).toString('base64url')}`;
}

function refuse(why: string): BargeError {
  return new BargeError('E_AUTH', `grant refused: ${why}`);
}

/** path is the subtree or below it */
function within(path: string, subtree: string): boolean {
  return subtree === '' || path === subtree || path.startsWith(subtree + '/');
}

/** Checks a grant's signature, expiry and scope; returns its claims or throws E_AUTH. */
export function checkGrant(keys: readonly KeyObject[], grant: string, agent: string, scope: SessionScope, nowMs: number): GrantClaims {
  const dot = grant.indexOf('.');
  if (dot <= 0 || grant.length > 8192) throw refuse('malformed');
  const body = Buffer.from(grant.slice(0, dot), 'base64url');
  const sig = Buffer.from(grant.slice(dot + 1), 'base64url');
  if (!keys.some((k) => { try { return verify(null, body, k, sig); } catch { return false; } })) throw refuse('bad signature');
  let c: Partial<GrantClaims> | null;
  try { c = JSON.parse(body.toString('utf8')) as Partial<GrantClaims> | null; } catch { throw refuse('malformed claims'); }
  if (c === null || typeof c !== 'object' || typeof c.exp !== 'number' || typeof c.endpoint !== 'string' || typeof c.path !== 'string' || typeof c.agent !== 'string' || typeof c.write !== 'boolean') {
    throw refuse('malformed claims');
  }
  if (c.exp <= nowMs) throw refuse(`expired ${Math.round((nowMs - c.exp) / 1000)} s ago`);
  if (c.agent !== '*' && c.agent !== agent) throw refuse(`issued for agent '${c.agent}', this is '${agent}'`);
  if (c.endpoint !== scope.endpoint) throw refuse(`issued for endpoint '${c.endpoint}', not '${scope.endpoint}'`);
  if (!within(scope.path, c.path)) throw refuse(`issued for '${c.path}', not '${scope.path}'`);
  if (scope.write && !c.write) throw refuse('read-only grant used to write');
  return c as GrantClaims;
}
