// What submit and plan check of a spec before anything is stored or listed: the endpoints
// exist and may be used so, the two sides do not overlap, the options agree, and the
// source is there (looked at on this host, or by a live agent when there is no built-in one).
import { BargeError } from '../core/errors.js';
import { splitEndpointPath } from '../core/endpoint-path.js';
import type { RequestSpec } from '../core/request-types.js';
import type { EndpointConfig, ServiceConfig } from '../config/service-config.js';
import type { Storage } from '../storage/storage.js';
import { overlaps, resolveEndpointPath, type EndpointPath } from '../storage/posix/endpoint-paths.js';
import { openSide } from './plan-request.js';
import { checkDeadline, checkListedFiles } from './spec-options.js';
import { checkSource } from './source-check.js';
import { statOnAgents } from './endpoint-listing.js';
import type { RemoteAgents } from './remote-agents.js';

export interface SpecSides { src: EndpointPath<EndpointConfig>; dst: EndpointPath<EndpointConfig> }

export interface SpecCheckDeps {
  config: ServiceConfig;
  /** opens an endpoint directory on this host */
  storageAt: (abs: string) => Storage;
  /** the live agents that look at the source when there is no built-in agent */
  remoteAgents: RemoteAgents;
  now: () => number;
}

/** archives are staged by the built-in agent: without it, a request from one could never start */
export function refuseArchiveSource(spec: RequestSpec, config: ServiceConfig): void {
  const srcName = splitEndpointPath(spec.source, 'source').name;
  if (!config.localAgent && config.endpoints.get(srcName)?.kind === 'archive') {
    throw new BargeError('E_BAD_INPUT', `source: endpoint '${srcName}' is an archive, and archives are staged by a coordinator with its built-in agent (this one runs without it: local_agent = false or --no-local-agent)`);
  }
}

/** the built-in agent serves the endpoint: its path is on this host */
export function onThisHost(config: ServiceConfig, endpoint: string): boolean {
  return config.localAgent && config.endpoints.get(endpoint)?.localAgent !== false;
}

/** a spec's two sides, checked as submit checks them: endpoints, overlap, options, the source there */
export async function checkSpec(spec: RequestSpec, d: SpecCheckDeps): Promise<SpecSides> {
  const { config } = d;
  // without the built-in agent (or for an endpoint it does not serve), endpoint roots are on agents' hosts, not this one
  const here = onThisHost(config, splitEndpointPath(spec.source, 'source').name);
  const dstHere = onThisHost(config, splitEndpointPath(spec.destination, 'destination').name);
  const src = resolveEndpointPath(config.endpoints, spec.source, 'source', here);
  const dst = resolveEndpointPath(config.endpoints, spec.destination, 'destination', dstHere);
  if (!dst.endpoint.write) throw new BargeError('E_READ_ONLY', `destination: endpoint '${dst.endpoint.name}' may not be written (write = false)`);
  // two sites' file systems are apart: /data at one does not hold /data/x at the other
  const sameFileSystem = (here && dstHere) || src.endpoint.site === dst.endpoint.site;
  if (sameFileSystem && overlaps(src.abs, dst.abs)) throw new BargeError('E_BAD_INPUT', `source and destination overlap: ${spec.source} and ${spec.destination}`);
  if (spec.maxDelete !== undefined && !spec.delete) throw new BargeError('E_BAD_INPUT', 'body/maxDelete needs delete: true');
  if (spec.checksum && spec.sizeOnly) throw new BargeError('E_BAD_INPUT', 'body/checksum and body/sizeOnly exclude each other');
  checkListedFiles(spec);
  checkDeadline(spec, d.now());
  // an endpoint of another kind (archive) is no directory at src.abs: it is opened by its kind
  const local = src.endpoint.kind === 'posix' ? () => d.storageAt(src.abs).stat('') : () => openSide(config.endpointStorage, src.endpoint.name, src.rel).stat('');
  await checkSource(`${src.endpoint.name}:${src.rel}`, here ? local : (e, p) => statOnAgents(d.remoteAgents, e, p, config.tls?.ca));
  return { src, dst };
}
