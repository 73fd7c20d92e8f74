// The token `barge agent` starts with: a lone agent's secret that clients must prove, or,
// under a coordinator, its API token of role "agent". Both are secrets a server checks,
// so both follow the coordinator's rule for [[tokens]] secrets (MIN_SECRET_LENGTH).
import { BargeError } from '../core/errors.js';
import { MIN_SECRET_LENGTH } from '../config/service-config.js';
import { readToken } from './client/client-options.js';

export function readAgentToken(tokenFile: string | undefined, env: string | undefined = process.env.BARGE_TOKEN): string {
  const token = readToken(tokenFile, env);
  if (token === undefined) throw new BargeError('E_USAGE', 'needs a token: --token-file FILE or BARGE_TOKEN');
  if (token.length < MIN_SECRET_LENGTH) {
    const from = tokenFile === undefined ? 'BARGE_TOKEN' : `--token-file '${tokenFile}'`;
    throw new BargeError('E_USAGE', `the token from ${from} has ${token.length} characters; a token is at least ${MIN_SECRET_LENGTH} (e.g. openssl rand -hex 16)`);
  }
  return token;
}
