// Where the CLI client finds the coordinator and its token: --server, BARGE_SERVER, the
// default address; BARGE_TOKEN or --token-file; the CA to trust for https://, --tls-ca or
// BARGE_CA. Bad values are usage errors.
import { readFileSync } from 'node:fs';
import { BargeError } from '../../core/errors.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:7700';

export interface ConnectFlags {
  server?: string;
  tokenFile?: string;
  tlsCa?: string;
}

export interface Connection {
  baseUrl: string;
  token: string | undefined;
  /** PEM of the CA that signed an https:// coordinator's certificate (else the system's CAs) */
  ca?: string;
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
  const ca = readCa(flags.tlsCa, env.BARGE_CA);
  return { baseUrl: resolveServer(flags.server, env.BARGE_SERVER), token: readToken(flags.tokenFile, env.BARGE_TOKEN), ...(ca === undefined ? {} : { ca }) };
}

/** PEM of the CA to trust: --tls-ca FILE, else the file BARGE_CA names (`env`), else none (the system's CAs) */
export function readCa(flag: string | undefined, env: string | undefined): string | undefined {
  const file = flag ?? (env !== undefined && env.trim() !== '' ? env.trim() : undefined);
  if (file === undefined) return undefined;
  const what = flag !== undefined ? '--tls-ca' : 'BARGE_CA';
  let pem: string;
  try { pem = readFileSync(file, 'utf8'); } catch (e) {
    throw new BargeError('E_USAGE', `cannot read ${what} '${file}': ${(e as Error).message}`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new BargeError('E_USAGE', `${what} '${file}' holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  return pem;
}
