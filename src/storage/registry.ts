// The registry of storage kinds: an endpoint's `kind` picks how its table is parsed and how a
// Storage is opened on it. Built-in kinds come from kinds.ts; tests may register more.
import { BargeError } from '../core/errors.js';
import { builtInKinds } from './kinds.js';
import type { EndpointDescription, OpenOptions, StorageKind } from './storage-kind.js';
import type { Storage } from './storage.js';

export type { EndpointDescription, OpenOptions, StorageKind } from './storage-kind.js';

const kinds = new Map<string, StorageKind>(builtInKinds.map((k) => [k.kind, k]));

/** adds a kind (test set-up); the same kind again is a no-op, another one of the same name an error */
export function registerStorageKind<E extends EndpointDescription>(kind: StorageKind<E>): void {
  const had = kinds.get(kind.kind);
  if (had === kind) return;
  if (had) throw new BargeError('E_INTERNAL', `storage kind '${kind.kind}' is registered already`);
  kinds.set(kind.kind, kind);
}

/** the names of the registered kinds, built-ins first */
export function knownStorageKinds(): string[] {
  return [...kinds.keys()];
}

/** the kind of this name; `where` (the config key that named it) prefixes the message of an unknown one */
export function storageKind(name: string, where?: string): StorageKind {
  const k = kinds.get(name);
  if (k) return k;
  const reason = `unknown storage kind '${name}' (known: ${knownStorageKinds().join(', ')})`;
  throw new BargeError('E_CONFIG', where === undefined ? reason : `${where}: ${reason}`);
}

/** the endpoint rooted at `path` below `endpoint` ('' for itself) */
export function endpointBelow(endpoint: EndpointDescription, path: string): EndpointDescription {
  return path === '' ? endpoint : storageKind(endpoint.kind).below(endpoint, path);
}

/** where an endpoint is, for people */
export function describeEndpoint(endpoint: EndpointDescription): string {
  return storageKind(endpoint.kind).describe(endpoint);
}

/** a Storage on an endpoint, by the kind its description names */
export function openStorage(endpoint: EndpointDescription, opts: OpenOptions = {}): Storage {
  return storageKind(endpoint.kind).open(endpoint, opts);
}
