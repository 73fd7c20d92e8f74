// The secret that binds an agent's name to the process that enrolled under it: made at
// each enrolment, handed to that process only, kept in the database as its SHA-256. Any
// holder of an agent token may call the agent routes; only the process with the secret
// may act as the agent it names.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { BargeError } from '../core/errors.js';
import { AGENT_SECRET_HEADER } from '../core/agent-wire.js';

export function newAgentSecret(): { secret: string; hash: string } {
  const secret = randomBytes(32).toString('base64url');
  return { secret, hash: hashOf(secret) };
}

function hashOf(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/**
 * Throws unless `secret` is the one whose hash the agent's row keeps. Hashes of equal
 * length are compared in constant time, so the answer's timing tells nothing of the secret.
 * `stored`: undefined when no row has that id, null when the row has no secret (a built-in
 * agent, which no HTTP caller may act as).
 */
export function checkAgentSecret(agentId: string, secret: string | undefined, stored: string | null | undefined): void {
  if (stored === undefined) throw new BargeError('E_STATE', `agent '${agentId}' is not enrolled (enrol again)`);
  const given = secret === undefined ? undefined : Buffer.from(hashOf(secret), 'hex');
  const kept = stored === null ? undefined : Buffer.from(stored, 'hex');
  if (given !== undefined && kept !== undefined && given.length === kept.length && timingSafeEqual(given, kept)) return;
  const why = secret === undefined ? `no ${AGENT_SECRET_HEADER} header was sent` : 'the agent secret does not match';
  throw new BargeError('E_AUTH', `agent '${agentId}' is enrolled by another process (${why}): enrol again`);
}
