// [sites.*] and [endpoints.*] of the config file: the named storage roots and where they are.
// Sites may be left out; then each site an endpoint names exists implicitly.
import path from 'node:path';
import { configError, describeValue } from './config-error.js';
import { checkName } from './parse-values.js';
import type { EndpointConfig, SiteConfig } from './service-config.js';
import type { TableReader } from './toml-table.js';

export interface SitesAndEndpoints {
  sites: Map<string, SiteConfig>;
  endpoints: Map<string, EndpointConfig>;
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
  for (const [name, t] of root.namedTables('endpoints') ?? []) {
    t.allowKeys(['path', 'write', 'site', 'kind']);
    checkName(name, t.where());
    const site = checkName(t.requiredString('site'), t.where('site'));
    if (!sites.has(site)) {
      if (declared !== undefined) throw configError(t.where('site'), `site ${describeValue(site)} is not declared in [sites]`);
      sites.set(site, { name: site });
    }
    endpoints.set(name, { name, kind: readKind(t), path: readRoot(t), write: t.boolean('write') ?? false, site });
  }
  return { sites, endpoints };
}

function readKind(t: TableReader): 'posix' {
  const kind = t.string('kind') ?? 'posix';
  if (kind !== 'posix') throw configError(t.where('kind'), `expected "posix" (the only kind so far), got ${describeValue(kind)}`);
  return kind;
}

// absolute, because a root relative to wherever the service was started moves with its working directory;
// whether it exists is checked when the server starts, since a mount may come later than the config
function readRoot(t: TableReader): string {
  const root = t.requiredString('path');
  if (!path.isAbsolute(root)) throw configError(t.where('path'), `must be an absolute path, got ${describeValue(root)}`);
  return root;
}
