// The Storage interface: what the engine needs from a storage root. Paths are relative
// to the root, '/'-separated, '' for the root itself. Capabilities are data (features).
import type { Entry } from '../core/entry.js';
import type { Stager } from './stager.js';
import type { XattrKinds, XattrSet } from '../core/xattrs.js';

/** What a storage can keep and do, as data the engine reads rather than guesses from optional methods. */
export interface StorageFeatures {
  /** keeps symlinks as links: `symlink` makes them, `stat` and `list` show their targets */
  symlinks: boolean;
  /** keeps posix mode bits and owner ids (mode, uid, gid), and they decide who may do what */
  posixMeta: boolean;
  /** can give a file another name (`link`); entries carry inode numbers that say which names are one file */
  hardlinks: boolean;
  /** can leave holes where a file is all zeros (`sparse` writes) */
  sparse: boolean;
  /** can set owner and group (posix as root) */
  owner: boolean;
  /** the finest mtime step the storage keeps, in ns (1 on ext4/xfs/btrfs, 2e9 on FAT) */
  mtimeResolutionNs: bigint;
  /** the largest chunk of a partial file it takes in one piece, in bytes; undefined: no limit */
  maxChunkSize?: number;
  /** files must be staged (from tape) before they are read: the storage has a `stager` */
  staging: boolean;
  /**
   * takes bytes only as checked against the sender's hash (a storage across a network):
   * a whole file's `commit` needs `sentHash`, and its bytes must have been written in
   * order from the first; a chunk counts only when closed with `sentHash`, and
   * `recordChunk` takes only a chunk so checked. A local storage has the sender's bytes
   * and ignores `sentHash` (false).
   */
  checksSentHash: boolean;
}

export interface EntryMeta {
  mode: number;
  uid: number;
  gid: number;
  mtimeNs: bigint;
  /**
   * -A / -X: the carried xattrs to give the entry; names of the set's kinds that are not
   * in it are removed. Absent: the entry's xattrs are left as they are.
   */
  xattrs?: XattrSet;
}

/** what a listing or stat reads besides the entry's lstat */
export interface ListOptions {
  /** read the entries' xattrs of these kinds (Entry.xattrs) */
  xattrs?: XattrKinds;
  /** mark the entries that have xattrs -A or -X would carry (Entry.xattrsNotCarried), where that is cheap */
  markXattrs?: boolean;
}

export interface MetaChoice {
  owner: boolean;
  /** flush the data to disk before the final name appears (--fsync) */
  fsync?: boolean;
}

export interface FileReader {
  readonly size: number;
  /** reads up to `length` bytes at `position` into `buf` at 0; returns the count (0 at end) */
  read(buf: Buffer, length: number, position: number): Promise<number>;
  /** the file's size and mtime now, to notice a source that changed while read */
  identity(): Promise<{ size: number; mtimeNs: bigint }>;
  /**
   * Optional: the caller is done with [position, position+length), read and copied; a
   * storage may drop those bytes from its caches (posix: from the page cache, see
   * posix-reader.ts). Advisory: it never fails and never changes what a read returns.
   */
  release?(position: number, length: number): void;
  /**
   * Optional: the hash (by name, as --hash) of [position, position+length), computed
   * where the file is, so that its bytes need not travel (a remote reader asks its
   * agent); with `dropBehind` that host drops the bytes from its page cache once hashed.
   * `checkpoint` is called between steps of a long hash and may throw to stop it (an
   * interrupted run). Undefined when it cannot here: the caller then reads and hashes
   * the bytes itself.
   */
  hashRange?(hash: string, position: number, length: number, dropBehind: boolean, checkpoint?: () => void): Promise<string | undefined>;
  close(): Promise<void>;
}

/**
 * Optional on writers: copy [position, position+length) of the file `from` reads to the
 * same place in this one inside the kernel, the bytes never passing through this
 * process. Returns how many bytes it copied (fewer only where the source ended), or
 * undefined when it cannot (another storage or file system, sparse writing): the
 * caller writes the bytes itself then.
 */
export type CopyFrom = (from: FileReader, position: number, length: number) => Promise<number | undefined>;

export interface FileWriter {
  write(bytes: Buffer, position: number): Promise<void>;
  /**
   * write() of `parts`, one after another from `position`, off the calling thread (on the
   * thread pool), for a caller with other work to do meanwhile: an agent receiving on
   * several connections at once. The parts must stay as they are until the promise
   * settles, and every such write must have settled before the writer is committed,
   * aborted or read back.
   */
  writeDetached?(parts: readonly Buffer[], position: number): Promise<void>;
  copyFrom?: CopyFrom;
  /** a reader of what has been written so far, before commit (for --verify) */
  readBack(): Promise<FileReader>;
  /**
   * make the file complete under its final name, with this metadata. `sentHash` is the
   * hash of the bytes as the sender read them: a storage across a network checks it
   * against what arrived (E_CHECKSUM); a local one has the same bytes and ignores it.
   */
  commit(meta: EntryMeta, choice: MetaChoice, sentHash?: string): Promise<void>;
  /** remove the partial file; never touches the final name */
  abort(): Promise<void>;
}

/** writes chunks into a prepared partial file; many may be open at once */
export interface ChunkWriter {
  write(bytes: Buffer, position: number): Promise<void>;
  /**
   * write() of `parts`, one after another from `position`, off the calling thread (on the
   * thread pool), for a caller with other work to do meanwhile: an agent receiving on
   * several connections at once. The parts must stay as they are until the promise
   * settles, and every such write must have settled before the writer is closed.
   */
  writeDetached?(parts: readonly Buffer[], position: number): Promise<void>;
  copyFrom?: CopyFrom;
  /** `sentHash`: as for FileWriter.commit, the hash of the bytes written through this writer */
  close(sentHash?: string): Promise<void>;
  /**
   * close(sentHash), then the storage's recordChunk of the chunk, as one step: a writer
   * over a network sends both at once, in order on its own connection (one round trip
   * rather than two at every chunk's end); the receiver refuses the record when the close's
   * check failed. Without it the caller closes, then records.
   */
  closeAndRecord?(sentHash: string, chunk: { path: string; index: number; owner?: string }): Promise<void>;
}

export interface WriteOptions {
  size: number;
  /** leave all-zero blocks as holes */
  sparse: boolean;
  /** a file may already be at this name (false lets a backend take a faster path for new files) */
  replaces?: boolean;
}

/** A partial large file written chunk by chunk, possibly by several writers, that survives interruption. */
export interface PartialFile {
  /** chunks already written and recorded by an earlier attempt: index -> hash */
  recorded: Map<number, string>;
  /**
   * the writer's token: this prepare made the partial its own (a later prepare, by another
   * run, takes it over and gets a new token). Passed to openPartialWrite, recordChunk and
   * commitPartial, which refuse it (E_CHANGED, "another run took over this partial file")
   * once the partial is no longer its. Undefined only from an agent older than owners.
   */
  owner?: string;
}

/** what commitPartial checks before the partial gets its final name */
export interface PartialCheck {
  /** the token preparePartial gave this writer */
  owner: string;
  /** the hash of every chunk as the committing writer sent it, in order: the journal must record exactly these */
  chunkHashes: readonly string[];
}

export interface ManyRead {
  name: string;
  /** its size as listed */
  size: number;
}

export interface ManyReadResult {
  /** where its bytes are in the buffer, and how many were read */
  offset: number;
  length: number;
  /** its size and mtime after the read */
  size: number;
  mtimeNs: bigint;
}

export interface ManyWrite {
  name: string;
  offset: number;
  length: number;
  meta: EntryMeta;
  /** the hash of these bytes as the sender read them: a storage across a network takes the file only if what arrived hashes to it */
  sentHash?: string;
}

export interface Storage {
  readonly root: string;
  readonly features: StorageFeatures;
  /** archive kinds only, and then `features.staging` is true: brings files online before they are read */
  readonly stager?: Stager;
  stat(path: string, opts?: ListOptions): Promise<Entry | undefined>;
  /** every entry of a directory (not sorted) */
  list(dir: string, opts?: ListOptions): Promise<Entry[]>;
  openRead(path: string): Promise<FileReader>;
  openWrite(path: string, opts: WriteOptions): Promise<FileWriter>;
  mkdir(path: string): Promise<void>;
  /** create or atomically replace a symlink */
  symlink(path: string, target: string, meta: EntryMeta, choice: MetaChoice): Promise<void>;
  /** make `path` another name of `existing` (atomically replacing what is at `path`) */
  link(existing: string, path: string): Promise<void>;
  /** remove a file, symlink or directory (with everything below it); returns entries removed */
  remove(path: string): Promise<number>;
  /** remove a directory only if it is empty */
  removeEmptyDir(path: string): Promise<void>;
  setMeta(path: string, type: Entry['type'], meta: EntryMeta, choice: MetaChoice): Promise<void>;

  /**
   * Optional fast path for small files, one call each way. readWhole fills `buf` from
   * the start of the file and says how much it read, and the file's size and mtime
   * after the read. writeWhole makes a new, complete file under its final name, or
   * returns false when it cannot here (a name already taken, no support), leaving
   * nothing behind: the caller then uses openWrite.
   */
  readWhole?(path: string, buf: Buffer): Promise<{ length: number; size: number; mtimeNs: bigint }>;
  writeWhole?(path: string, bytes: Buffer, meta: EntryMeta, choice: MetaChoice, sentHash?: string): Promise<boolean>;

  /**
   * Optional fast path for many small new files of one directory, one call each way.
   * readMany reads the files whole into `buf`, one after another, each given its listed
   * size + 1 bytes (so a file that grew reads back longer than listed); per file, where
   * its bytes are and its size and mtime after the read, or undefined when it was not
   * read. writeMany makes each file new and complete under its final name from its bytes
   * in `buf`; per file, true when done, false when not, leaving nothing behind. A file
   * not done is for the caller's one-file path, which reports why.
   */
  readMany?(dir: string, files: readonly ManyRead[], buf: Buffer): Promise<(ManyReadResult | undefined)[]>;
  writeMany?(dir: string, files: readonly ManyWrite[], buf: Buffer, choice: MetaChoice): Promise<boolean[]>;

  /** partial large files: prepared once, written in chunks at offsets, committed once */
  preparePartial(path: string, opts: WriteOptions & { identity: string; chunkSize: number }): Promise<PartialFile>;
  /**
   * Ownership: with `owner` (the token preparePartial gave), openPartialWrite, recordChunk
   * and commitPartial fail E_CHANGED when another prepare has taken the partial over since,
   * and a writer opened before the takeover never writes into the new owner's partial.
   * commitPartial with `check` also fails E_CHANGED unless the journal records every chunk,
   * each with the hash the committer sent. Without them (older callers) nothing is checked.
   * openPartialWrite may report its failure late: a storage across a network returns the
   * writer before the open's answer, and its writes or its close then fail with the open's
   * error (the bytes land nowhere); callers treat a failure at any of those as the open's.
   */
  openPartialWrite(path: string, opts: WriteOptions & { owner?: string }): Promise<ChunkWriter>;
  openPartialRead(path: string): Promise<FileReader>;
  recordChunk(path: string, index: number, hash: string, owner?: string): Promise<void>;
  commitPartial(path: string, meta: EntryMeta, choice: MetaChoice, check?: PartialCheck): Promise<void>;
  /** remove the partial and its journal; with `owner`, only while the partial is still that writer's */
  abortPartial(path: string, owner?: string): Promise<void>;
}
