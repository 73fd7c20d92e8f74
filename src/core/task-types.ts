// The tasks a worker runs and what it reports back: plain data, so they cross
// worker threads now and processes or hosts later.
import type { Counters } from './counters.js';
import type { Entry } from './entry.js';
import type { ErrorRecord } from './errors.js';

/** one action line, for -v and --dry-run */
export interface ActionEvent {
  verb: 'new' | 'update' | 'meta' | 'mkdir' | 'symlink' | 'hardlink' | 'delete' | 'replace' | 'skip';
  rel: string;
  detail?: string;
}

export interface FileItem {
  rel: string;
  src: Entry;
  /** the destination already has a file here (update rather than new) */
  dstExists: boolean;
  compareFirst: boolean;
  /** the destination has a symlink or special file here, which the copy replaces */
  replaces?: Entry['type'];
  /** copied whole, never in chunks, whatever its size: a source entry beside it has the name of its partial file or journal */
  whole?: true;
}

/** the action line of a file that landed */
export function landedEvent(f: FileItem): ActionEvent {
  if (f.replaces) return { verb: 'replace', rel: f.rel, detail: `${f.replaces} -> file` };
  return { verb: f.dstExists ? 'update' : 'new', rel: f.rel };
}

export interface ScanTask {
  kind: 'scan';
  rel: string;
  src: Entry;
  dst: Entry | undefined;
  dstExists: boolean;
  insideListedDir: boolean;
  /**
   * a second look at only these names: after the delete pass, those whose directories in
   * the way it was to remove (they land now, or fail if a directory is still there); or,
   * in a service, those an earlier attempt failed on for a reason a retry may help (that
   * attempt listed the directory and queued the rest)
   */
  only?: string[];
  /**
   * an earlier attempt of this scan may have copied small files without its report
   * arriving (a service agent lost, the coordinator restarted): the files it would copy
   * itself are copied again rather than trusted to the quick check, so the request's
   * counters and manifest hold every file it wrote
   */
  copyAgain?: boolean;
}

/**
 * A service's scans of several sibling directories in one task, one after another in one
 * thread: each directory is still planned and reported on its own (TaskResult.scans), but
 * a tree of many small directories costs the coordinator a lease and a report per group,
 * not per directory.
 */
export interface ScanGroupTask {
  kind: 'scans';
  dirs: ScanTask[];
}

export interface CopyBatchTask {
  kind: 'copy';
  files: FileItem[];
}

export interface PrepareChunkedTask {
  kind: 'prepare';
  file: FileItem;
}

export interface ChunkTask {
  kind: 'chunk';
  file: FileItem;
  index: number;
  offset: number;
  length: number;
  /** resume: the hash an earlier run recorded; the chunk is re-read and kept if it matches */
  recorded: string | undefined;
  /** the partial's owner token from prepare: the chunk is written and recorded only while the partial is this run's */
  owner?: string;
}

export interface FinalizeChunkedTask {
  kind: 'finalize';
  file: FileItem;
  chunkHashes: string[];
  /** the partial's owner token from prepare: commit checks the partial is still this run's */
  owner?: string;
}

export interface LinkTask {
  kind: 'link';
  links: { existing: string; rel: string }[];
}

export interface DeleteItem {
  rel: string;
  type: Entry['type'];
  /** inside a directory the --files-from list names whole */
  insideListedDir: boolean;
}

export interface DeleteTask {
  kind: 'delete';
  items: DeleteItem[];
  /** only count what would go (--dry-run) */
  countOnly: boolean;
  /**
   * --max-delete: how many entries this task may still remove (each file, link and
   * directory counts one, as rsync counts); past it the rest is skipped and counted
   */
  budget?: number;
}

export interface DirMetaTask {
  kind: 'dirmeta';
  dirs: DirMetaItem[];
}

/** a directory whose metadata the last pass sets; `made`: this run made it, so its times changed for certain */
export interface DirMetaItem {
  rel: string;
  src: Entry;
  made?: boolean;
}

/** a canceled request's partial files to remove, each only while its owner token is still in its journal */
export interface AbortPartialsTask {
  kind: 'abort';
  partials: { rel: string; owner: string }[];
}

/** a service request's first task: check the source, make the destination, then scan */
export interface RootTask {
  kind: 'root';
}

export type Task = RootTask | ScanTask | ScanGroupTask | CopyBatchTask | PrepareChunkedTask | ChunkTask | FinalizeChunkedTask | LinkTask | DeleteTask | DirMetaTask | AbortPartialsTask;

export interface HardLinkNote {
  rel: string;
  key: string;
  /** the source file is already up to date at the destination, as this file (its link key) */
  dstIno: string | undefined;
}

export interface TaskResult {
  counters: Partial<Counters>;
  errors: ErrorRecord[];
  events: ActionEvent[];
  /** scans: each directory's own result, in the order of the task's `dirs` */
  scans?: TaskResult[];
  /** scan: work found */
  copies?: FileItem[];
  descend?: ScanTask[];
  deletes?: DeleteItem[];
  hardLinks?: HardLinkNote[];
  /** scan: fifos, sockets and devices not copied */
  specials?: { rel: string; type: Entry['type'] }[];
  /** scan: non-empty directories in the way of source entries, left for the delete pass */
  deferredReplaces?: string[];
  /** scan: this directory's deferred names, to be scanned again once the delete pass made way */
  rescan?: ScanTask;
  /** scan: this directory's metadata must be set in the last pass */
  dirMeta?: DirMetaItem;
  /** copy: [path, hash] of each file written, when the context records hashes (a service's manifest) */
  hashes?: [string, string][];
  /** scan: [path, size, mtime ns] of the small files it copied itself, for the manifest beside `hashes` */
  copiedHere?: [string, number, string][];
  /** copy: files that landed (for hard-link followers) */
  landed?: string[];
  /** prepare: chunks recorded by an earlier run */
  recorded?: [number, string][];
  /** prepare: the partial's owner token (Storage.preparePartial) */
  partialOwner?: string;
  /** chunk: the chunk's hash */
  chunkHash?: string;
  /** delete: entries removed (or, countOnly, that would be) */
  deleteCount?: number;
  /** delete: entries left because the task's budget (--max-delete) ran out */
  deletesSkipped?: number;
  /** delete: directories that stay (or would stay) because entries inside are kept */
  keptDirs?: string[];
  /** the destination is full: stop writing */
  noSpace?: boolean;
}
