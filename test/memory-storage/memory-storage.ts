// An in-memory Storage, for tests only: the proof that a new storage kind is one folder and one
// registration. It keeps files, directories and symlinks; no hard links, holes, owners or posix
// modes, and its features say so. Temporary and partial files are entries under barge's temp names.
import { randomBytes } from 'node:crypto';
import type { Entry } from '../../src/core/entry.js';
import { isBargeError } from '../../src/core/errors.js';
import { partialNameFor, tempNameFor } from '../../src/core/temp-names.js';
import type { ChunkWriter, EntryMeta, FileReader, FileWriter, MetaChoice, PartialCheck, PartialFile, Storage, StorageFeatures, WriteOptions } from '../../src/storage/storage.js';
import { attempt, countNodes, dirAt, type DirNode, entryOf, fail, type FileNode, type Journal, newDir, newFile, newLink, type Node, partsOf, placeOf, writeAt } from './memory-tree.js';

// reads the node, not the name: a reader keeps the file it opened when another replaces it
function readerOf(node: FileNode): FileReader {
  return {
    size: node.data.length,
    read: (buf, length, position) => attempt(() => position >= node.data.length ? 0 : node.data.copy(buf, 0, position, Math.min(node.data.length, position + length))),
    identity: () => Promise.resolve({ size: node.data.length, mtimeNs: node.mtimeNs }),
    close: () => Promise.resolve(),
  };
}

/** owners cannot be set here (features.owner is false): asked anyway, it is an error, not a silent no-op */
function checkChoice(choice: MetaChoice, rel: string): void {
  if (choice.owner) throw fail('E_UNSUPPORTED', 'the memory storage cannot set owners', rel);
}

interface PartialPlace { dir: DirNode; name: string; partName: string; node: FileNode; journal: Journal }

export class MemoryStorage implements Storage {
  readonly features: StorageFeatures = {
    symlinks: true, posixMeta: false, hardlinks: false, sparse: false, owner: false, mtimeResolutionNs: 1n, staging: false, checksSentHash: false,
  };

  /** `tree`: the files, shared with whoever else holds it (another open of the endpoint, a fixture) */
  constructor(readonly root: string, readonly tree: DirNode = newDir()) {}

  private nodeAt(rel: string): Node | undefined {
    if (partsOf(rel).length === 0) return this.tree;
    const { dir, name } = placeOf(this.tree, rel);
    return dir.children.get(name);
  }

  private fileAt(rel: string): FileNode {
    const node = this.nodeAt(rel);
    if (node === undefined) throw fail('E_NOT_FOUND', 'no such file', rel);
    if (node.type === 'symlink') throw fail('E_PATH_ESCAPE', 'a symlink is not followed', rel);
    if (node.type === 'dir') throw fail('E_EXISTS', 'a directory is in the way', rel);
    return node;
  }

  /** `node`, now at `from` in `dir`, takes the name `name` with this mtime */
  private land(dir: DirNode, from: string, name: string, node: FileNode, mtimeNs: bigint, rel: string): void {
    if (dir.children.get(name)?.type === 'dir') throw fail('E_EXISTS', 'a directory is in the way', rel);
    node.mtimeNs = mtimeNs;
    dir.children.delete(from);
    dir.children.set(name, node);
  }

  stat(rel: string): Promise<Entry | undefined> {
    return attempt(() => {
      try {
        const node = this.nodeAt(rel);
        return node && entryOf(rel.slice(rel.lastIndexOf('/') + 1), node);
      } catch (e) {
        if (isBargeError(e) && e.code === 'E_NOT_FOUND') return undefined; // below a missing directory or a file
        throw e;
      }
    });
  }

  list(dir: string): Promise<Entry[]> {
    return attempt(() => [...dirAt(this.tree, partsOf(dir), dir).children].map(([name, node]) => entryOf(name, node)));
  }

  openRead(rel: string): Promise<FileReader> {
    return attempt(() => readerOf(this.fileAt(rel)));
  }

  openWrite(rel: string, opts: WriteOptions): Promise<FileWriter> {
    return attempt(() => {
      const { dir, name } = placeOf(this.tree, rel);
      const temp = tempNameFor(name);
      const node = newFile(Buffer.alloc(opts.size));
      dir.children.set(temp, node);
      const live = (): void => {
        if (dir.children.get(temp) !== node) throw fail('E_NOT_FOUND', 'the file being written is gone', rel);
      };
      return {
        write: (bytes, position) => attempt(() => { live(); writeAt(node, bytes, position); }),
        readBack: () => attempt(() => { live(); return readerOf(node); }),
        commit: (meta, choice) => attempt(() => { live(); checkChoice(choice, rel); this.land(dir, temp, name, node, meta.mtimeNs, rel); }),
        abort: () => attempt(() => { if (dir.children.get(temp) === node) dir.children.delete(temp); }),
      };
    });
  }

  mkdir(rel: string): Promise<void> {
    return attempt(() => {
      const { dir, name } = placeOf(this.tree, rel);
      if (dir.children.has(name)) throw fail('E_EXISTS', 'something is in the way', rel);
      dir.children.set(name, newDir());
    });
  }

  symlink(rel: string, target: string, meta: EntryMeta, choice: MetaChoice): Promise<void> {
    return attempt(() => {
      const { dir, name } = placeOf(this.tree, rel);
      checkChoice(choice, rel);
      if (dir.children.get(name)?.type === 'dir') throw fail('E_EXISTS', 'a directory is in the way', rel);
      const link = newLink(target);
      link.mtimeNs = meta.mtimeNs;
      dir.children.set(name, link); // replaces what is there, never follows it
    });
  }

  link(existing: string, rel: string): Promise<void> {
    return attempt(() => {
      partsOf(existing);
      partsOf(rel);
      throw fail('E_UNSUPPORTED', 'the memory storage has no hard links', rel);
    });
  }

  remove(rel: string): Promise<number> {
    return attempt(() => {
      if (rel === '') throw fail('E_PATH_ESCAPE', 'refusing to remove the storage root', rel);
      const { dir, name } = placeOf(this.tree, rel);
      const node = dir.children.get(name);
      if (node === undefined) throw fail('E_NOT_FOUND', 'nothing to remove', rel);
      dir.children.delete(name);
      return countNodes(node);
    });
  }

  removeEmptyDir(rel: string): Promise<void> {
    return attempt(() => {
      const { dir, name } = placeOf(this.tree, rel);
      const node = dir.children.get(name);
      if (node?.type !== 'dir') throw fail('E_NOT_FOUND', 'no such directory', rel);
      if (node.children.size > 0) throw fail('E_EXISTS', 'the directory is not empty', rel);
      dir.children.delete(name);
    });
  }

  setMeta(rel: string, type: Entry['type'], meta: EntryMeta, choice: MetaChoice): Promise<void> {
    return attempt(() => {
      const node = this.nodeAt(rel);
      if (node === undefined) throw fail('E_NOT_FOUND', 'no such file or directory', rel);
      checkChoice(choice, rel);
      if (type !== 'symlink' && node.type === 'symlink') throw fail('E_EXISTS', `a symlink is where a ${type} was expected`, rel);
      if (type === 'dir' && node.type !== 'dir') throw fail('E_NOT_FOUND', 'not a directory', rel);
      node.mtimeNs = meta.mtimeNs; // the mode is not kept (features.posixMeta is false)
    });
  }

  private partialAt(rel: string): PartialPlace {
    const { dir, name } = placeOf(this.tree, rel);
    const partName = partialNameFor(name);
    const node = dir.children.get(partName);
    if (node?.type !== 'file' || node.journal === undefined) throw fail('E_NOT_FOUND', 'no partial file prepared', rel);
    return { dir, name, partName, node, journal: node.journal };
  }

  preparePartial(rel: string, opts: WriteOptions & { identity: string; chunkSize: number }): Promise<PartialFile> {
    return attempt(() => {
      const { dir, name } = placeOf(this.tree, rel);
      const partName = partialNameFor(name);
      const preparedFor = `${opts.identity} ${opts.size} ${opts.chunkSize}`;
      const had = dir.children.get(partName);
      const owner = randomBytes(12).toString('hex');
      if (had?.type === 'file' && had.journal?.preparedFor === preparedFor) {
        had.journal.owner = owner; // a resume: this writer's from now on
        return { recorded: new Map(had.journal.recorded), owner };
      }
      const node = newFile(Buffer.alloc(opts.size));
      node.journal = { preparedFor, recorded: new Map(), owner };
      dir.children.set(partName, node);
      return { recorded: new Map(), owner };
    });
  }

  /** the partial, if it is still `owner`'s (no owner: whichever is there) */
  private ownPartial(rel: string, owner: string | undefined): PartialPlace {
    let p: PartialPlace;
    try { p = this.partialAt(rel); } catch (e) {
      if (owner !== undefined && isBargeError(e) && e.code === 'E_NOT_FOUND') throw tookOver(rel);
      throw e;
    }
    if (owner !== undefined && p.journal.owner !== owner) throw tookOver(rel);
    return p;
  }

  openPartialWrite(rel: string, opts: WriteOptions & { owner?: string }): Promise<ChunkWriter> {
    return attempt(() => {
      const { node } = this.ownPartial(rel, opts.owner);
      return { write: (bytes, position) => attempt(() => writeAt(node, bytes, position)), close: () => Promise.resolve() };
    });
  }

  openPartialRead(rel: string): Promise<FileReader> {
    return attempt(() => readerOf(this.partialAt(rel).node));
  }

  recordChunk(rel: string, index: number, hash: string, owner?: string): Promise<void> {
    return attempt(() => { this.ownPartial(rel, owner).journal.recorded.set(index, hash); });
  }

  commitPartial(rel: string, meta: EntryMeta, choice: MetaChoice, check?: PartialCheck): Promise<void> {
    return attempt(() => {
      const p = this.partialAt(rel); // none: E_NOT_FOUND, as for a commit that already happened
      if (check && p.journal.owner !== check.owner) throw tookOver(rel);
      if (check) {
        const rec = p.journal.recorded;
        const complete = rec.size === check.chunkHashes.length && check.chunkHashes.every((h, i) => rec.get(i) === h);
        if (!complete || p.node.data.length !== Number(p.journal.preparedFor.split(' ').at(-2))) {
          throw fail('E_CHANGED', 'the partial file is not complete as this run sent it; not committed', rel);
        }
      }
      checkChoice(choice, rel);
      this.land(p.dir, p.partName, p.name, p.node, meta.mtimeNs, rel);
      delete p.node.journal;
    });
  }

  abortPartial(rel: string, owner?: string): Promise<void> {
    return attempt(() => {
      const { dir, name } = placeOf(this.tree, rel);
      const partName = partialNameFor(name);
      const had = dir.children.get(partName);
      if (had?.type !== 'file') return;
      if (owner !== undefined && had.journal?.owner !== owner) return; // another writer's now
      dir.children.delete(partName);
    });
  }
}

function tookOver(rel: string): Error {
  return fail('E_CHANGED', 'another run took over this partial file; the destination is left to it', rel);
}
