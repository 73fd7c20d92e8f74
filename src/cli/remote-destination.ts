// `barge sync SRC barge://HOST:PORT/ENDPOINT/path`: parses the address, proves the token
// to the agent before anything is written, and makes the destination directory there.
import { parseListen } from '../config/parse-values.js';
import { readCa, readToken as readClientToken } from './client/client-options.js';
import type { Entry } from '../core/entry.js';
import { BargeError, isBargeError } from '../core/errors.js';
import type { SyncOptions } from '../core/sync-options.js';
import type { PeerAddress } from '../transport/data-connection.js';
import { RemoteStorage, type RemoteTarget } from '../transport/remote-storage.js';
import { normalizeSessionPath } from '../transport/session-path.js';
import { BARGE_SCHEME } from './barge-url.js';


export interface BargeUrl {
  host: string;
  port: number;
  endpoint: string;
  path: string;
}

export function parseBargeUrl(text: string): BargeUrl {
  const bad = (why: string): BargeError => new BargeError('E_USAGE', `'${text}': ${why} (expected barge://HOST:PORT/ENDPOINT/path)`);
  const rest = text.slice(BARGE_SCHEME.length);
  const slash = rest.indexOf('/');
  const hostPort = slash < 0 ? rest : rest.slice(0, slash);
  let host: string;
  let port: number;
  try { ({ host, port } = parseListen(hostPort, 'barge://')); } catch { throw bad('no HOST:PORT'); }
  if (port < 1) throw bad(`port ${port} is out of range`);
  const parts = slash < 0 ? [] : rest.slice(slash + 1).split('/');
  let endpoint: string;
  try { endpoint = decodeURIComponent(parts.shift() ?? ''); } catch { throw bad('the endpoint is not valid percent-encoding'); }
  if (endpoint === '') throw bad('no ENDPOINT');
  let path: string;
  try { path = normalizeSessionPath(parts.map((p) => decodeURIComponent(p)).join('/')); } catch (e) {
    if (e instanceof URIError) throw bad('the path is not valid percent-encoding');
    throw bad(e instanceof Error ? e.message : String(e));
  }
  return { host, port, endpoint, path };
}

export interface RemoteDestination {
  target: RemoteTarget;
  storage: RemoteStorage;
  root: Entry | undefined;
}

export interface TlsChoice {
  use: boolean;
  /** PEM of the CA that signed the agent's certificate (else the system's CAs) */
  ca?: string;
}

/** --tls, --tls-ca FILE (which implies --tls) */
export function tlsChoice(flags: { tls?: boolean; tlsCa?: string }): TlsChoice {
  const ca = readCa(flags.tlsCa, undefined);
  return ca === undefined ? { use: flags.tls ?? false } : { use: true, ca };
}

/** the token: BARGE_TOKEN, or --token-file */
export function readToken(tokenFile: string | undefined): string {
  const t = readClientToken(tokenFile, process.env.BARGE_TOKEN);
  if (t === undefined) throw new BargeError('E_USAGE', "a barge:// destination needs the agent's token: set BARGE_TOKEN or give --token-file");
  return t;
}

/**
 * Connects once, in the main thread: a wrong token, an unknown endpoint or a read-only
 * one fails here, before a byte is written, with the agent's reason.
 */
export async function openRemoteDestination(text: string, opts: SyncOptions, token: string, tls: TlsChoice): Promise<RemoteDestination> {
  const url = parseBargeUrl(text);
  const address: PeerAddress = { host: url.host, port: url.port, ...(tls.use ? { tls: tls.ca === undefined ? {} : { ca: tls.ca } } : {}) };
  const target: RemoteTarget = {
    address, scope: { endpoint: url.endpoint, path: url.path, write: !opts.dryRun }, credential: { token },
    streams: 2, hash: opts.hash,
  };
  let probed;
  try {
    probed = await RemoteStorage.probe(target);
  } catch (e) {
    if (isBargeError(e)) throw new BargeError('E_BAD_INPUT', `cannot sync to ${text}: ${e.code}: ${e.message}`);
    throw e;
  }
  const { storage, base } = probed;
  if (base !== null && base !== 'dir') throw new BargeError('E_BAD_INPUT', `destination '${text}' exists and is not a directory`);
  if (base === null && !opts.dryRun) await storage.makeBase();
  const root = base === null && opts.dryRun ? undefined : await storage.stat('');
  return { target, storage, root };
}
