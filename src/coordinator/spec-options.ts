// The sync options of a service request, from what was posted. Service requests keep
// owner and group when the service runs as root, like `barge sync`.
import { defaultSyncOptions, type SyncOptions } from '../core/sync-options.js';
import type { RequestSpec } from '../core/request-types.js';
import { BargeError } from '../core/errors.js';
import { listedPathFault, shownListedPath, type ListedPathFault } from '../core/filter.js';

/** what is wrong with an entry of `files`, in the API's words (the CLI words it for --files-from) */
const FILES_ENTRY_PROBLEM: Record<ListedPathFault, string> = {
  nul: 'has a NUL character in it: no file name can',
  absolute: 'is absolute: list paths relative to the source',
  dotdot: "has a '..' in it: list paths relative to the source, without '..'",
  // \udc80..\udcff stand for bytes that are not UTF-8 (src/core/name-bytes.ts); other lone surrogates for nothing
  surrogate: 'holds a lone surrogate that names no bytes',
};

/** refuses at submit a `files` entry that cannot name a path under the source, naming its index */
export function checkListedFiles(spec: RequestSpec): void {
  const files = spec.files ?? [];
  for (let i = 0; i < files.length; i++) {
    const fault = listedPathFault(files[i] as string);
    if (fault !== undefined) throw new BargeError('E_BAD_INPUT', `body/files/${i}: '${shownListedPath(files[i] as string)}' ${FILES_ENTRY_PROBLEM[fault]}`);
  }
}

/** a deadline must be a time, with its zone, still to come: one in the past would fail the request at once */
export function checkDeadline(spec: RequestSpec, now: number): void {
  if (spec.deadline === undefined) return;
  const at = Date.parse(spec.deadline);
  if (!/(Z|[+-]\d\d:?\d\d)$/i.test(spec.deadline) || Number.isNaN(at)) {
    throw new BargeError('E_BAD_INPUT', `body/deadline: '${spec.deadline}' is not an ISO 8601 time with a zone, such as 2027-01-31T18:00:00Z`);
  }
  if (at <= now) throw new BargeError('E_BAD_INPUT', `body/deadline: ${spec.deadline} has passed already`);
}

/** chunkCutoff: chunk files from this size, in chunks of a quarter of it (test set-up's, so tests need no 256 MiB files) */
export function syncOptionsOf(spec: RequestSpec, o: { transfers: number; asRoot: boolean; chunkCutoff?: number | undefined }): SyncOptions {
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
    acls: spec.acls ?? false,
    xattrs: spec.xattrs ?? false,
    transfers: o.transfers,
    ...(o.chunkCutoff !== undefined ? { chunkCutoff: o.chunkCutoff, chunkSize: Math.max(1, Math.floor(o.chunkCutoff / 4)) } : {}),
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
