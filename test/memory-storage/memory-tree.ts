// The tree behind the memory storage kind: nodes held in maps, and paths walked without ever
// following a symlink, so no path can lead out of the root.
import type { Entry } from '../../src/core/entry.js';
import { BargeError, type ErrorCode } from '../../src/core/errors.js';

/** the chunks recorded for a partial file, and what it was prepared for */
export interface Journal {
  preparedFor: string;
  recorded: Map<number, string>;
  /** the token of the writer that prepared it last */
  owner: string;
}
export interface FileNode { type: 'file'; ino: number; mtimeNs: bigint; data: Buffer; journal?: Journal }
export interface DirNode { type: 'dir'; ino: number; mtimeNs: bigint; children: Map<string, Node> }
export interface LinkNode { type: 'symlink'; ino: number; mtimeNs: bigint; target: string }
export type Node = FileNode | DirNode | LinkNode;

// no posix metadata is kept (features.posixMeta is false): every entry shows these
const MODES = { file: 0o644, dir: 0o755, symlink: 0o777 } as const;

let lastIno = 0;
export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}
export function newFile(data: Buffer): FileNode {
  return { type: 'file', ino: ++lastIno, mtimeNs: nowNs(), data };
}
export function newDir(): DirNode {
  return { type: 'dir', ino: ++lastIno, mtimeNs: nowNs(), children: new Map() };
}
export function newLink(target: string): LinkNode {
  return { type: 'symlink', ino: ++lastIno, mtimeNs: nowNs(), target };
}

/** errors as rejected promises, never thrown from the call itself */
export function attempt<T>(fn: () => T): Promise<T> {
  try { return Promise.resolve(fn()); } catch (e) { return Promise.reject(e instanceof Error ? e : new Error(String(e))); }
}

export function fail(code: ErrorCode, why: string, rel: string): BargeError {
  return new BargeError(code, `${why}: ${JSON.stringify(rel)}`, { path: rel });
}

/** the names of a relative path; E_PATH_ESCAPE for anything that could name a place outside the root */
export function partsOf(rel: string): string[] {
  if (rel === '') return [];
  if (rel.startsWith('/') || rel.includes('\0')) throw fail('E_PATH_ESCAPE', 'path is not relative to the root', rel);
  const parts = rel.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) throw fail('E_PATH_ESCAPE', "path has a '', '.' or '..' component", rel);
  return parts;
}

/** the directory these names lead to: a symlink on the way is never followed, a file or nothing is E_NOT_FOUND */
export function dirAt(root: DirNode, parts: readonly string[], rel: string): DirNode {
  let dir = root;
  for (const p of parts) {
    const next = dir.children.get(p);
    if (next?.type === 'symlink') throw fail('E_PATH_ESCAPE', 'a symlink in the path is not followed', rel);
    if (next?.type !== 'dir') throw fail('E_NOT_FOUND', 'no such directory', rel);
    dir = next;
  }
  return dir;
}

/** where a path's last name is: its directory, which must exist, and the name */
export function placeOf(root: DirNode, rel: string): { dir: DirNode; name: string } {
  const parts = partsOf(rel);
  const name = parts.pop();
  if (name === undefined) throw fail('E_EXISTS', 'the root is a directory', rel);
  return { dir: dirAt(root, parts, rel), name };
}

export function entryOf(name: string, node: Node): Entry {
  const size = node.type === 'file' ? node.data.length : node.type === 'symlink' ? Buffer.byteLength(node.target) : 0;
  const e: Entry = {
    name, type: node.type, size, mtimeNs: node.mtimeNs, mode: MODES[node.type], uid: 0, gid: 0,
    dev: 0, ino: node.ino, nlink: 1, allocated: size,
  };
  if (node.type === 'symlink') e.linkTarget = node.target;
  return e;
}

export function writeAt(node: FileNode, bytes: Buffer, position: number): void {
  const end = position + bytes.length;
  if (end > node.data.length) {
    const grown = Buffer.alloc(end);
    node.data.copy(grown);
    node.data = grown;
  }
  bytes.copy(node.data, position);
}

/** how many entries a removal of this node takes */
export function countNodes(node: Node): number {
  let n = 1;
  if (node.type === 'dir') for (const c of node.children.values()) n += countNodes(c);
  return n;
}
