// The memory storage kind: an endpoint names a volume that lives as long as the process; every
// open of one volume shares its files, as every open of a posix path shares a directory.
import { requiredString } from '../../src/storage/endpoint-table.js';
import type { EndpointDescription, StorageKind } from '../../src/storage/registry.js';
import { newDir, type DirNode } from './memory-tree.js';
import { MemoryStorage } from './memory-storage.js';

export interface MemoryEndpoint extends EndpointDescription {
  readonly kind: 'memory';
  readonly volume: string;
}

const volumes = new Map<string, DirNode>();

export const memoryKind: StorageKind<MemoryEndpoint> = {
  kind: 'memory',
  keys: ['volume'],
  parseEndpoint: (table, where) => ({ kind: 'memory', volume: requiredString(table, 'volume', where) }),
  open(endpoint) {
    let tree = volumes.get(endpoint.volume);
    if (tree === undefined) volumes.set(endpoint.volume, tree = newDir());
    return new MemoryStorage(`memory:${endpoint.volume}`, tree);
  },
};
