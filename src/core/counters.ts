// Counters of one run: what was found, copied, skipped, deleted and failed.

export interface Counters {
  /** source files (after filters) seen by the walk so far */
  filesFound: number;
  bytesFound: number;
  dirsFound: number;
  /** files whose content is to be copied, and their bytes */
  filesToCopy: number;
  bytesToCopy: number;
  filesCopied: number;
  bytesCopied: number;
  /** bytes of large files kept from an interrupted earlier run (re-read and checked, not copied) */
  bytesResumed: number;
  /** files found identical (by quick check or checksum) */
  filesUpToDate: number;
  /** entries whose metadata alone was fixed */
  metaUpdated: number;
  dirsCreated: number;
  symlinksMade: number;
  hardlinksMade: number;
  deleted: number;
  specialsSkipped: number;
  /** source entries whose xattrs or ACLs were not copied (no -X / -A), where the listing could tell */
  xattrsNotCarried: number;
  failed: number;
}

export function emptyCounters(): Counters {
  return {
    filesFound: 0, bytesFound: 0, dirsFound: 0, filesToCopy: 0, bytesToCopy: 0, filesCopied: 0, bytesCopied: 0, bytesResumed: 0,
    filesUpToDate: 0, metaUpdated: 0, dirsCreated: 0, symlinksMade: 0, hardlinksMade: 0, deleted: 0,
    specialsSkipped: 0, xattrsNotCarried: 0, failed: 0,
  };
}

export function addCounters(into: Counters, delta: Partial<Counters>): void {
  for (const k of Object.keys(delta) as (keyof Counters)[]) into[k] += delta[k] ?? 0;
}
