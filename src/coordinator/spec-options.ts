// The sync options of a service request, from what was posted. Service requests keep
// owner and group when the service runs as root, like `barge sync`.
import { defaultSyncOptions, type SyncOptions } from '../core/sync-options.js';
import type { RequestSpec } from './request-types.js';

/** test hook: chunk large files from this size (bytes), in chunks of a quarter of it, so tests need no 256 MiB files */
const TEST_CHUNK_CUTOFF = Number(process.env.BARGE_TEST_CHUNK_CUTOFF ?? 0);

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
    keepCache: spec.keepCache ?? false,
    transfers: o.transfers,
    ...(TEST_CHUNK_CUTOFF > 0 ? { chunkCutoff: TEST_CHUNK_CUTOFF, chunkSize: Math.max(1, Math.floor(TEST_CHUNK_CUTOFF / 4)) } : {}),
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
