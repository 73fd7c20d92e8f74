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
  /** the destination directory did not exist: this run made it */
  made: boolean;
}

export interface TlsChoice {
  use: boolean;
  /** PEM of the CA that signed the agent's certificate (else the system's CAs) */
  ca?: string;
}

/**
 * --tls, --tls-ca FILE (which implies --tls). --tls alone trusts the CA in BARGE_CA when it
 * is set, as the client commands do, else the system's; BARGE_CA alone does not turn TLS on
 * (an agent without a certificate would refuse every push).
 */
export function tlsChoice(flags: { tls?: boolean; tlsCa?: string }, env: NodeJS.ProcessEnv = process.env): TlsChoice {
  const ca = readCa(flags.tlsCa, undefined);
  if (ca !== undefined) return { use: true, ca };
  if (flags.tls !== true) return { use: false };
  const fromEnv = readCa(undefined, env.BARGE_CA);
  return fromEnv === undefined ? { use: true } : { use: true, ca: fromEnv };
}

/** the token: BARGE_TOKEN, or --token-file */
export function readToken(tokenFile: string | undefined): string {
  const t = readClientToken(tokenFile, process.env.BARGE_TOKEN);
  if (t === undefined) throw new BargeError('E_USAGE', "a barge:// destination needs the agent's token: set BARGE_TOKEN or give --token-file");
  return t;
}

/** where and how a barge:// destination is reached (no connection yet); a bad address is E_USAGE */
export function remoteTarget(text: string, opts: SyncOptions, token: string, tls: TlsChoice): RemoteTarget {
  const url = parseBargeUrl(text);
  const address: PeerAddress = { host: url.host, port: url.port, ...(tls.use ? { tls: tls.ca === undefined ? {} : { ca: tls.ca } } : {}) };
  return {
    address, scope: { endpoint: url.endpoint, path: url.path, write: !opts.dryRun }, credential: { token },
    streams: 2, hash: opts.hash,
  };
}

/**
 * Connects once, in the main thread: a wrong token, an unknown endpoint or a read-only
 * one fails here, before a byte is written, with the agent's reason.
 */
export async function openRemoteDestination(text: string, target: RemoteTarget, opts: SyncOptions): Promise<RemoteDestination> {
  // a push makes the directory in the handshake's round trips (mkbase behind the PROOF);
  // it answers with the directory's entry whether it made it or found it
  let probed;
  try {
    probed = opts.dryRun ? { ...await RemoteStorage.probe(target), made: undefined } : await RemoteStorage.probeAndMakeBase(target);
  } catch (e) {
    if (isBargeError(e)) throw new BargeError('E_BAD_INPUT', `cannot sync to ${text}: ${e.code}: ${e.message}`);
    throw e;
  }
  const { storage, base, made } = probed;
  if (base !== null && base !== 'dir') { storage.close(); throw new BargeError('E_BAD_INPUT', `destination '${text}' exists and is not a directory`); }
  if (made && 'error' in made) { storage.close(); throw made.error; }
  const root = base === null && opts.dryRun ? undefined : made?.entry ?? await storage.stat('');
  return { target, storage, root, made: base === null && !opts.dryRun };
}
