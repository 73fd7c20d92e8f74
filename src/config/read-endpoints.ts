// [sites.*] and [endpoints.*] of the config file: the named storage roots and where they are.
// Sites may be left out; then each site an endpoint names exists implicitly.
import { configError, describeValue } from './config-error.js';
import { checkName } from './parse-values.js';
import type { EndpointConfig, SiteConfig } from './service-config.js';
import type { TableReader } from './toml-table.js';
import { knownStorageKinds, storageKind, type EndpointDescription, type StorageKind } from '../storage/registry.js';

export interface SitesAndEndpoints {
  sites: Map<string, SiteConfig>;
  endpoints: Map<string, EndpointConfig>;
  endpointStorage: Map<string, EndpointDescription>;
}

export function readSitesAndEndpoints(root: TableReader): SitesAndEndpoints {
  const declared = root.namedTables('sites');
  const sites = new Map<string, SiteConfig>();
  for (const [name, t] of declared ?? []) {
    t.allowKeys(['description']);
    checkName(name, t.where());
    const description = t.string('description');
    sites.set(name, description === undefined ? { name } : { name, description });
  }
  const endpoints = new Map<string, EndpointConfig>();
  const endpointStorage = new Map<string, EndpointDescription>();
  for (const [name, t] of root.namedTables('endpoints') ?? []) {
    const kind = readKind(t);
    t.allowKeys(['write', 'site', 'kind', 'local_agent', ...kind.keys]);
    checkName(name, t.where());
    const site = checkName(t.requiredString('site'), t.where('site'));
    if (!sites.has(site)) {
      if (declared !== undefined) throw configError(t.where('site'), `site ${describeValue(site)} is not declared in [sites]`);
      sites.set(site, { name: site });
    }
    // the kind checks its own keys (posix: an absolute path; whether it exists is checked when the server starts)
    const storage = kind.parseEndpoint(t.raw(), t.where());
    endpointStorage.set(name, storage);
    // local_agent = false: the endpoint is on remote agents' hosts; the built-in agent neither
    // serves it nor looks for its path here (it pushes to an agent that serves it)
    const onAgents = t.boolean('local_agent') === false;
    if (onAgents && kind.kind === 'archive') {
      throw configError(t.where('local_agent'), 'an archive is staged by the coordinator\'s built-in agent: it cannot be served by remote agents only');
    }
    endpoints.set(name, { name, kind: kind.kind, path: kind.describe(storage), write: t.boolean('write') ?? false, site, ...(onAgents ? { localAgent: false as const } : {}) });
  }
  return { sites, endpoints, endpointStorage };
}

/** the storage kind an endpoint names (posix when it names none) */
function readKind(t: TableReader): StorageKind {
  const name = t.string('kind') ?? 'posix';
  const known = knownStorageKinds();
  if (!known.includes(name)) {
    const expected = known.length === 1 ? `"${known[0] ?? ''}" (the only kind so far)` : `one of ${known.map((k) => `"${k}"`).join(', ')}`;
    throw configError(t.where('kind'), `expected ${expected}, got ${describeValue(name)}`);
  }
  return storageKind(name);
}
