// The fixture port of the Storage conformance suite: how a backend's test prepares and inspects
// what is stored, beside the Storage under test, so that the suite itself knows no backend.
// Paths are as for Storage: relative to the root, '/'-separated, '' for the root itself.

/** what is at a path, as lstat says it: symlinks are not followed */
export interface FixtureInfo {
  type: 'file' | 'dir' | 'symlink' | 'other';
  size: number;
  /** permission and set-id bits (mode & 0o7777) */
  mode: number;
  mtimeNs: bigint;
  uid: number;
  gid: number;
  ino: number;
  nlink: number;
  /** bytes the storage holds for it (posix: blocks * 512), fewer than its size where it has holes */
  allocated: number;
  /** the target text of a symlink */
  linkTarget?: string;
}

/** a place on the host outside the storage's root, to show that nothing is written there */
export interface OutsideArea {
  /** an absolute path outside the root (posix: the root's parent) */
  readonly path: string;
  /** a new empty directory in it, by absolute path */
  makeDir(prefix: string): Promise<string>;
  /** the names in a directory of it, by absolute path */
  list(absDir: string): Promise<string[]>;
  /** removes a file or a tree, by absolute path */
  remove(absPath: string): Promise<void>;
}

/**
 * Made fresh, with its storage, for each test. The operations work as a user of the storage's
 * own tools would see them, not through the Storage under test, so that a bug there cannot
 * hide itself. `link`, `setMode` and `setOwner` are only called where the storage's features
 * say it has hard links or posix metadata.
 */
export interface StorageFixture {
  /** a file with these bytes, made or replaced */
  put(path: string, data: string | Buffer): Promise<void>;
  /** bytes added to the end of a file (a source that grows while it is read) */
  append(path: string, data: string | Buffer): Promise<void>;
  /** a directory; with `recursive`, the missing ones above it too */
  mkdir(path: string, opts?: { recursive?: boolean }): Promise<void>;
  symlink(target: string, path: string): Promise<void>;
  /** another name for a file (a hard link) */
  link(existing: string, path: string): Promise<void>;
  /** a file's bytes */
  read(path: string): Promise<Buffer>;
  /** what is at the path; undefined when nothing is */
  info(path: string): Promise<FixtureInfo | undefined>;
  /** the names in a directory, temporary ones included, in no particular order */
  list(dir: string): Promise<string[]>;
  setMode(path: string, mode: number): Promise<void>;
  setOwner(path: string, uid: number, gid: number): Promise<void>;
  /** where there is a host outside the root (posix); storages without one leave it out */
  readonly outside?: OutsideArea;
}
