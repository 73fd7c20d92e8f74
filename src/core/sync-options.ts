// The options of one sync, as the planner and the task runners see them.
import type { FilterOptions } from './filter.js';

export type CompareMode = 'quick' | 'checksum' | 'size-only';
export const HASH_NAMES = ['xxh3', 'sha256', 'md5'] as const;
export type HashName = (typeof HASH_NAMES)[number];

export function isHashName(name: string): name is HashName {
  return (HASH_NAMES as readonly string[]).includes(name);
}

export interface SyncOptions {
  compare: CompareMode;
  ignoreExisting: boolean;
  delete: boolean;
  /** refuse the whole delete pass when it would remove more entries than this */
  maxDelete: number | undefined;
  hardLinks: boolean;
  sparse: boolean;
  /** -A: carry POSIX ACLs (the xattrs system.posix_acl_access and _default, see xattrs.ts) */
  acls: boolean;
  /** -X: carry extended attributes (user.*, security.*, trusted.* as root; not system.*) */
  xattrs: boolean;
  /** set owner and group (only meaningful when running as root) */
  preserveOwner: boolean;
  dryRun: boolean;
  hash: HashName;
  verify: boolean;
  /** flush each file's data to disk before it gets its final name */
  fsync: boolean;
  /** leave copied source bytes in the page cache (by default they are dropped behind the copy) */
  keepCache: boolean;
  transfers: number;
  /** bytes per second over the whole run; undefined = unlimited */
  bwlimit: number | undefined;
  /** files at or above this size are copied as chunks in parallel */
  chunkCutoff: number;
  chunkSize: number;
  /** chunks of one large file in flight at once: 1 for a local disk (writes to one file
   * serialize there), more across a network, where each chunk is its own stream */
  chunksPerFile: number;
  filter: FilterOptions;
}

export const DEFAULT_CHUNK_CUTOFF = 256 * 1024 * 1024;
export const DEFAULT_CHUNK_SIZE = 64 * 1024 * 1024;
/** a copy batch is cut at this many files or bytes */
export const BATCH_MAX_FILES = 1000;
/** 64 MiB: a file above a few MiB goes alone, so that the threads share the big ones evenly */
export const BATCH_MAX_BYTES = 64 * 1024 * 1024;
/** a scan copies files below this size itself; bigger ones are dispatched on their own */
export const SCAN_COPY_MAX_FILE = 4 * 1024 * 1024;

export function defaultSyncOptions(over: Partial<SyncOptions> = {}): SyncOptions {
  return {
    compare: 'quick', ignoreExisting: false, delete: false, maxDelete: undefined, hardLinks: false, acls: false, xattrs: false,
    sparse: false, preserveOwner: false, dryRun: false, hash: 'xxh3', verify: false, fsync: false, keepCache: false, transfers: 4, chunksPerFile: 1,
    bwlimit: undefined, chunkCutoff: DEFAULT_CHUNK_CUTOFF, chunkSize: DEFAULT_CHUNK_SIZE, filter: {},
    ...over,
  };
}
