// The conformance suite's fixture for the memory storage: it works on the storage's tree directly,
// as a posix fixture works on the directory, never through the Storage under test.
import type { FixtureInfo, StorageFixture } from '../../src/storage/storage-conformance.js';
import { attempt, dirAt, type DirNode, entryOf, fail, type FileNode, type Node, newDir, newFile, newLink, nowNs, partsOf, placeOf, writeAt } from './memory-tree.js';

/** like lstat: undefined when nothing is there, also below a missing directory or a file */
function lookup(tree: DirNode, rel: string): Node | undefined {
  let node: Node | undefined = tree;
  for (const p of partsOf(rel)) node = node?.type === 'dir' ? node.children.get(p) : undefined;
  return node;
}

function fileAt(tree: DirNode, rel: string): FileNode {
  const node = lookup(tree, rel);
  if (node?.type !== 'file') throw fail('E_NOT_FOUND', 'no such file', rel);
  return node;
}

function noPosixMeta(): never {
  throw new Error('the memory storage keeps no posix metadata: the suite must not ask for it (features.posixMeta is false)');
}

export function memoryFixture(tree: DirNode): StorageFixture {
  return {
    put: (rel, data) => attempt(() => {
      const had = lookup(tree, rel);
      if (had?.type === 'file') { had.data = Buffer.from(data); had.mtimeNs = nowNs(); return; }
      const { dir, name } = placeOf(tree, rel);
      if (had) throw fail('E_EXISTS', 'not a file', rel);
      dir.children.set(name, newFile(Buffer.from(data)));
    }),
    append: (rel, data) => attempt(() => {
      const node = fileAt(tree, rel);
      writeAt(node, Buffer.from(data), node.data.length);
      node.mtimeNs = nowNs();
    }),
    mkdir: (rel, opts = {}) => attempt(() => {
      const parts = partsOf(rel);
      let dir = tree;
      for (const [i, p] of parts.entries()) {
        const had = dir.children.get(p);
        const last = i === parts.length - 1;
        if (had === undefined && (last || opts.recursive)) { dir.children.set(p, dir = newDir()); continue; }
        if (last && !opts.recursive) throw fail('E_EXISTS', 'already there', rel);
        if (had?.type !== 'dir') throw fail('E_NOT_FOUND', 'no such directory', rel);
        dir = had;
      }
    }),
    symlink: (target, rel) => attempt(() => {
      const { dir, name } = placeOf(tree, rel);
      if (dir.children.has(name)) throw fail('E_EXISTS', 'already there', rel);
      dir.children.set(name, newLink(target));
    }),
    link: () => attempt(() => { throw new Error('the memory storage has no hard links (features.hardlinks is false)'); }),
    read: (rel) => attempt(() => Buffer.from(fileAt(tree, rel).data)),
    info: (rel) => attempt(() => {
      const node = lookup(tree, rel);
      if (node === undefined) return undefined;
      const e = entryOf('', node);
      const info: FixtureInfo = {
        type: node.type, size: e.size, mode: e.mode, mtimeNs: e.mtimeNs, uid: e.uid, gid: e.gid, ino: e.ino, nlink: e.nlink, allocated: e.allocated,
      };
      if (e.linkTarget !== undefined) info.linkTarget = e.linkTarget;
      return info;
    }),
    list: (dir) => attempt(() => [...dirAt(tree, partsOf(dir), dir).children.keys()]),
    setMode: () => attempt(noPosixMeta),
    setOwner: () => attempt(noPosixMeta),
  };
}
