// Turns "endpoint:/path" into a directory under a posix endpoint's root on this host,
// refusing what could leave it: "..", and symlinks whose real path lies outside the root.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BargeError } from '../../core/errors.js';
import { splitEndpointPath } from '../../core/endpoint-path.js';

/** what this needs of an endpoint: its name and its root on this host */
export interface RootedEndpoint {
  name: string;
  path: string;
}

export interface EndpointPath<E extends RootedEndpoint> {
  endpoint: E;
  /** the path as given, normalised: "/a/b" */
  rel: string;
  /** the absolute path on this host */
  abs: string;
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

/**
 * `onThisHost`: the endpoint's root is on this host (the built-in agent serves it), so a
 * symlink out of it is refused here, early; otherwise the path is only checked as text
 * (no '..'): the root is on an agent's host, which resolves every path beneath it.
 */
export function resolveEndpointPath<E extends RootedEndpoint>(endpoints: ReadonlyMap<string, E>, text: string, what: string, onThisHost = true): EndpointPath<E> {
  const { name, rel } = splitEndpointPath(text, what);
  const endpoint = endpoints.get(name);
  if (!endpoint) throw new BargeError('E_BAD_INPUT', `${what}: no endpoint named '${name}'`);
  if (!onThisHost) return { endpoint, rel, abs: path.join(endpoint.path, rel) };
  const root = realOrNearest(endpoint.path);
  const abs = path.join(root, rel);
  const real = realOrNearest(abs);
  if (!inside(real, root)) throw new BargeError('E_PATH_ESCAPE', `${what}: '${text}' resolves outside the endpoint's root (a symlink leads out)`);
  return { endpoint, rel, abs: real };
}

export function overlaps(a: string, b: string): boolean {
  return inside(a, b) || inside(b, a);
}
