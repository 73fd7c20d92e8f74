// The posix storage kind: an endpoint is a directory on the agent's host, named by an absolute path.
import path from 'node:path';
import { configError, describeValue, keyWhere, requiredString } from '../endpoint-table.js';
import type { EndpointDescription, StorageKind } from '../storage-kind.js';
import { makeDirs } from './make-dirs.js';
import { PosixStorage } from './posix-storage.js';

export interface PosixEndpoint extends EndpointDescription {
  readonly kind: 'posix';
  /** the root directory, absolute */
  readonly path: string;
  /** set by below(): the endpoint's own root, which path lies under (paths between are resolved beneath it) */
  readonly base?: string;
}

/** the posix endpoint rooted at `path` (absolute) */
export function posixEndpoint(path: string): PosixEndpoint {
  return { kind: 'posix', path };
}

export const posixKind: StorageKind<PosixEndpoint> = {
  kind: 'posix',
  keys: ['path'],

  // absolute, because a root relative to wherever the service was started moves with its working directory;
  // whether it exists is checked when the server starts, since a mount may come later than the config
  parseEndpoint(table, where) {
    const root = requiredString(table, 'path', where);
    if (!path.isAbsolute(root)) throw configError(keyWhere(where, 'path'), `must be an absolute path, got ${describeValue(root)}`);
    return { kind: 'posix', path: root };
  },

  open(endpoint, opts) {
    // a description made by hand rather than parsed: a relative root would move with the working directory
    if (typeof endpoint.path !== 'string' || !path.isAbsolute(endpoint.path)) {
      throw configError('posix endpoint', `path must be an absolute path, got ${describeValue(endpoint.path)}`);
    }
    if (opts.createRoot) makeDirs(endpoint.path);
    const base = endpoint.base === undefined ? {} : { base: endpoint.base };
    return new PosixStorage(endpoint.path, opts.forAgent ? { confineReads: true, asyncReads: true, ...base } : base);
  },

  below: (endpoint, rel) => (rel === '' ? endpoint : { kind: 'posix', path: `${endpoint.path}/${rel}`, base: endpoint.base ?? endpoint.path }),

  describe: (endpoint) => endpoint.path,
};
