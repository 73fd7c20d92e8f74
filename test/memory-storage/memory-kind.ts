// The memory storage kind: an endpoint names a volume that lives as long as the process; every
// open of one volume shares its files, as every open of a posix path shares a directory.
import { requiredString } from '../../src/storage/endpoint-table.js';
import type { EndpointDescription, StorageKind } from '../../src/storage/registry.js';
import { dirAt, fail, newDir, partsOf, type DirNode } from './memory-tree.js';
import { MemoryStorage } from './memory-storage.js';

export interface MemoryEndpoint extends EndpointDescription {
  readonly kind: 'memory';
  readonly volume: string;
  /** a directory below the volume's top ('' or absent: the top) */
  readonly path?: string;
}

const volumes = new Map<string, DirNode>();

export const memoryKind: StorageKind<MemoryEndpoint> = {
  kind: 'memory',
  keys: ['volume'],
  parseEndpoint: (table, where) => ({ kind: 'memory', volume: requiredString(table, 'volume', where) }),
  open(endpoint, opts) {
    let tree = volumes.get(endpoint.volume);
    if (tree === undefined) volumes.set(endpoint.volume, tree = newDir());
    const parts = partsOf(endpoint.path ?? '');
    if (opts.createRoot) {
      let dir = tree;
      for (const name of parts) {
        let next = dir.children.get(name);
        if (next === undefined) dir.children.set(name, next = newDir());
        if (next.type !== 'dir') throw fail('E_EXISTS', 'not a directory', endpoint.path ?? '');
        dir = next;
      }
    }
    return new MemoryStorage(memoryKind.describe(endpoint), parts.length === 0 ? tree : dirAt(tree, parts, endpoint.path ?? ''));
  },
  below: (endpoint, rel) => ({ ...endpoint, path: [endpoint.path ?? '', rel].filter((p) => p !== '').join('/') }),
  describe: (endpoint) => `memory:${endpoint.volume}${endpoint.path ? `/${endpoint.path}` : ''}`,
};
