// Turns "endpoint:/path" into a directory under the endpoint's root, refusing what could
// leave it: "..", and symlinks whose real path lies outside the root.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BargeError } from '../core/errors.js';
import type { EndpointConfig } from './config/service-config.js';

export interface EndpointPath {
  endpoint: EndpointConfig;
  /** the path as given, normalised: "/a/b" */
  rel: string;
  /** the absolute path on this host */
  abs: string;
}

export function splitEndpointPath(text: string, what: string): { name: string; rel: string } {
  const colon = text.indexOf(':');
  if (colon <= 0) throw new BargeError('E_BAD_INPUT', `${what}: expected ENDPOINT:/path, got '${text}'`);
  const name = text.slice(0, colon);
  const raw = text.slice(colon + 1);
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new BargeError('E_PATH_ESCAPE', `${what}: '..' is not allowed in '${raw}'`);
  if (raw.includes('\0')) throw new BargeError('E_BAD_INPUT', `${what}: the path holds a NUL byte`);
  return { name, rel: '/' + parts.join('/') };
}

/** child is root or below it */
export function inside(child: string, root: string): boolean {
  const r = path.relative(root, child);
  return r === '' || (r !== '..' && !r.startsWith('..' + path.sep) && !path.isAbsolute(r));
}

/** the real path of the nearest existing ancestor, with the rest as written */
export function realOrNearest(p: string): string {
  let cur = p;
  const rest: string[] = [];
  for (;;) {
    try {
      return path.join(fs.realpathSync(cur), ...rest);
    } catch {
      const parent = path.dirname(cur);
      if (parent === cur) return p;
      rest.unshift(path.basename(cur));
      cur = parent;
    }
  }
}

export function resolveEndpointPath(endpoints: ReadonlyMap<string, EndpointConfig>, text: string, what: string): EndpointPath {
  const { name, rel } = splitEndpointPath(text, what);
  const endpoint = endpoints.get(name);
  if (!endpoint) throw new BargeError('E_BAD_INPUT', `${what}: no endpoint named '${name}'`);
  const root = realOrNearest(endpoint.path);
  const abs = path.join(root, rel);
  const real = realOrNearest(abs);
  if (!inside(real, root)) throw new BargeError('E_PATH_ESCAPE', `${what}: '${text}' resolves outside the endpoint's root (a symlink leads out)`);
  return { endpoint, rel, abs: real };
}

export function overlaps(a: string, b: string): boolean {
  return inside(a, b) || inside(b, a);
}
