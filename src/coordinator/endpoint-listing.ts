// `ls` of an endpoint: what is at one path, as the API lists it. With the built-in agent
// the coordinator's host has the endpoint and a local storage is read; without it the
// endpoint lives on agents' hosts, so a live agent that serves it is asked over the data
// plane, in a read-only session opened with a short-lived grant this coordinator signs.
import { BargeError } from '../core/errors.js';
import type { Entry } from '../core/entry.js';
import { splitEndpointPath } from '../core/endpoint-path.js';
import type { ListedEntry } from '../core/request-types.js';
import { parseListen } from '../config/parse-values.js';
import type { Storage } from '../storage/storage.js';
import { RemoteStorage } from '../transport/remote-storage.js';
import type { RemoteAgents } from './remote-agents.js';

/** a grant for one listing: long enough to open the session, no longer */
const LS_GRANT_TTL_MS = 60_000;
/** the grant's `request` claim, which the agent's log shows */
const LS_REQUEST = 'ls';

/** Code-unit order, not the locale's: the same on every host. */
const byName = (a: { name: string }, b: { name: string }): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * The directory at the storage's root, or the one file there (under its own name), sorted
 * by name; `where` ("panda:/sub") names the path when nothing is there.
 */
export async function listRoot(storage: Storage, where: string): Promise<ListedEntry[]> {
  const self = await storage.stat('');
  if (!self) throw new BargeError('E_NOT_FOUND', `${where} does not exist`);
  const entries: Entry[] = self.type === 'dir' ? await storage.list('') : [{ ...self, name: where.slice(where.lastIndexOf('/') + 1) }];
  return entries.map((e) => ({ name: e.name, type: e.type, size: e.size, mtimeNs: e.mtimeNs.toString(), mode: e.mode })).sort(byName);
}

/**
 * Failures of one agent rather than of the path: it cannot be reached, speaks
 * something else (TLS, say), refuses the grant, or advertises a bad address. The next
 * agent that serves the endpoint may do better.
 */
function agentFault(e: unknown): e is BargeError {
  return e instanceof BargeError && ['E_NETWORK', 'E_PROTOCOL', 'E_AUTH', 'E_CONFIG', 'E_BAD_INPUT'].includes(e.code);
}

/**
 * `ls` of `endpoint:path` through a live agent that serves the endpoint; `ca`: PEM of the CA
 * trusted for agents whose data plane speaks TLS (else the system's CAs)
 */
export function listOnAgents(agents: RemoteAgents, endpoint: string, path: string, ca?: string): Promise<ListedEntry[]> {
  return onAgents(agents, endpoint, path, ca, listRoot);
}

/**
 * What is at `endpoint:path` (undefined: nothing), as a live agent that serves the endpoint
 * sees it; fails E_STATE when no agent can say.
 */
export function statOnAgents(agents: RemoteAgents, endpoint: string, path: string, ca?: string): Promise<Entry | undefined> {
  return onAgents(agents, endpoint, path, ca, (storage) => storage.stat(''));
}

/** runs `f` on the storage at `endpoint:path` (read-only) of the first live agent serving the endpoint that answers */
export async function onAgents<T>(agents: RemoteAgents, endpoint: string, path: string, ca: string | undefined, f: (storage: Storage, where: string) => Promise<T>): Promise<T> {
  const { rel } = splitEndpointPath(`${endpoint}:${path}`, 'path');
  const where = `${endpoint}:${rel}`;
  const sessionPath = rel.slice(1);
  const serving = await agents.serving(endpoint);
  if (serving.length === 0) throw new BargeError('E_STATE', `no live agent serves endpoint '${endpoint}'`);
  const reachable = serving.filter((a) => a.dataAddress !== undefined);
  if (reachable.length === 0) throw new BargeError('E_STATE', `no live agent that serves endpoint '${endpoint}' has a data address`);
  const failures: string[] = [];
  for (const a of reachable) {
    let storage: RemoteStorage | undefined;
    try {
      const grant = await agents.readGrant(a.name, endpoint, sessionPath, LS_GRANT_TTL_MS, LS_REQUEST);
      // an agent says at enrolment whether its data plane speaks TLS
      const tls = a.dataTls ? { tls: ca === undefined ? {} : { ca } } : {};
      ({ storage } = await RemoteStorage.probe({
        address: { ...parseListen(a.dataAddress as string, `agent ${a.name}`), ...tls },
        scope: { endpoint, path: sessionPath, write: false }, credential: { grant }, streams: 1, hash: 'xxh3',
      }));
      return await f(storage, where);
    } catch (e) {
      if (!agentFault(e)) throw e;
      failures.push(`agent ${a.name}: ${e.message}`);
    } finally {
      storage?.close();
    }
  }
  throw new BargeError('E_STATE', `no live agent that serves endpoint '${endpoint}' could list it (${failures.join('; ')})`);
}
