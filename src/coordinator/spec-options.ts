// The sync options of a service request, from what was posted. Service requests keep
// owner and group when the service runs as root, like `barge sync`.
import { defaultSyncOptions, type SyncOptions } from '../core/sync-options.js';
import type { RequestSpec } from './request-types.js';

export function syncOptionsOf(spec: RequestSpec, o: { transfers: number; asRoot: boolean }): SyncOptions {
  const f = spec.filters ?? {};
  return defaultSyncOptions({
    compare: spec.checksum ? 'checksum' : spec.sizeOnly ? 'size-only' : 'quick',
    ignoreExisting: spec.ignoreExisting ?? false,
    delete: spec.delete ?? false,
    maxDelete: spec.maxDelete,
    preserveOwner: o.asRoot,
    hash: spec.hash ?? 'xxh3',
    verify: spec.verify ?? false,
    transfers: o.transfers,
    filter: {
      ...(f.rules ? { rules: f.rules } : {}),
      ...(spec.files ? { filesFrom: spec.files } : {}),
      ...(f.minSize !== undefined ? { minSize: f.minSize } : {}),
      ...(f.maxSize !== undefined ? { maxSize: f.maxSize } : {}),
      ...(f.minAge !== undefined ? { minAge: f.minAge } : {}),
      ...(f.maxAge !== undefined ? { maxAge: f.maxAge } : {}),
    },
  });
}
