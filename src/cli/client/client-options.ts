// Where the CLI client finds the coordinator and its token: --server, BARGE_SERVER, the
// default address; BARGE_TOKEN or --token-file. Bad values are usage errors.
import { readFileSync } from 'node:fs';
import { BargeError } from '../../core/errors.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:7700';

export interface ConnectFlags {
  server?: string;
  tokenFile?: string;
}

export interface Connection {
  baseUrl: string;
  token: string | undefined;
}

/** "host:7700" means http://host:7700; a trailing slash is dropped so paths join cleanly. */
export function resolveServer(flag: string | undefined, env: string | undefined): string {
  const given = flag ?? (env !== undefined && env.trim() !== '' ? env.trim() : DEFAULT_SERVER);
  const what = flag !== undefined ? '--server' : env !== undefined && env.trim() !== '' ? 'BARGE_SERVER' : 'the default server';
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(given) ? given : `http://${given}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new BargeError('E_USAGE', `bad ${what} '${given}': expected a URL such as ${DEFAULT_SERVER}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new BargeError('E_USAGE', `bad ${what} '${given}': only http:// and https:// are supported`);
  }
  if (url.search !== '' || url.hash !== '') throw new BargeError('E_USAGE', `bad ${what} '${given}': no query or fragment, please`);
  return url.href.replace(/\/+$/, '');
}

export function readToken(tokenFile: string | undefined, env: string | undefined): string | undefined {
  if (tokenFile === undefined) return env !== undefined && env.trim() !== '' ? env.trim() : undefined;
  let text: string;
  try {
    text = readFileSync(tokenFile, 'utf8');
  } catch (e) {
    const why = e instanceof Error && 'code' in e ? String((e as { code: unknown }).code) : String(e);
    throw new BargeError('E_USAGE', `cannot read --token-file '${tokenFile}': ${why}`);
  }
  const token = text.trim();
  if (token === '') throw new BargeError('E_USAGE', `--token-file '${tokenFile}' is empty`);
  return token;
}

export function connectionFrom(flags: ConnectFlags, env: NodeJS.ProcessEnv = process.env): Connection {
  return { baseUrl: resolveServer(flags.server, env.BARGE_SERVER), token: readToken(flags.tokenFile, env.BARGE_TOKEN) };
}
