// Lists a directory tree for the test oracles without following symlinks; byte-exact
// names (Buffers) so that names that are not valid UTF-8 are neither lost nor merged.
import { createHash } from 'node:crypto';
import { closeSync, constants, lstatSync, openSync, readdirSync, readlinkSync, readSync, type BigIntStats } from 'node:fs';

export type EntryType = 'file' | 'dir' | 'symlink' | 'fifo' | 'socket' | 'block' | 'char' | 'unknown';

export interface WalkedEntry {
  /** Path relative to the root, '/'-separated, as bytes; empty for the root itself. */
  rel: Buffer;
  /** Lossless map key: one char per byte of `rel`. */
  key: string;
  /** `rel` decoded as UTF-8 ('.' for the root); lossy only for names that are not UTF-8. */
  path: string;
  abs: Buffer;
  type: EntryType;
  st: BigIntStats;
}

export function entryType(st: BigIntStats): EntryType {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  if (st.isBlockDevice()) return 'block';
  if (st.isCharacterDevice()) return 'char';
  return 'unknown';
}

export function isSpecial(type: EntryType): boolean {
  return type === 'fifo' || type === 'socket' || type === 'block' || type === 'char' || type === 'unknown';
}

export function isUtf8(bytes: Buffer): boolean {
  return Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes);
}

/** Quoted so that newlines, tabs and spaces in names stay visible in messages. */
export function showPath(rel: Buffer): string {
  if (rel.length === 0) return '"."';
  const text = JSON.stringify(rel.toString('utf8'));
  return isUtf8(rel) ? text : `${text} (not UTF-8, bytes ${rel.toString('hex')})`;
}

const SLASH = Buffer.from('/');

/**
 * Every entry under `root` (the root included, first), parents before children, siblings
 * in byte order. An explicit stack instead of recursion, so depth is bounded only by PATH_MAX.
 * `ignore` gets the UTF-8 path and the exact bytes; an ignored directory is not entered.
 */
export function walkTree(root: string, ignore?: (relPath: string, relBytes: Buffer) => boolean): WalkedEntry[] {
  const out: WalkedEntry[] = [];
  const rootAbs = Buffer.from(root);
  const rootSt = lstatSync(rootAbs, { bigint: true });
  out.push({ rel: Buffer.alloc(0), key: '', path: '.', abs: rootAbs, type: entryType(rootSt), st: rootSt });
  const stack: Array<{ abs: Buffer; rel: Buffer }> = rootSt.isDirectory() ? [{ abs: rootAbs, rel: Buffer.alloc(0) }] : [];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    const names = readdirSync(dir.abs, { encoding: 'buffer' }).sort((a, b) => Buffer.compare(a, b));
    const subdirs: Array<{ abs: Buffer; rel: Buffer }> = [];
    for (const name of names) {
      const rel = dir.rel.length === 0 ? name : Buffer.concat([dir.rel, SLASH, name]);
      const path = rel.toString('utf8');
      if (ignore?.(path, rel)) continue;
      const abs = Buffer.concat([dir.abs, SLASH, name]);
      const st = lstatSync(abs, { bigint: true });
      const type = entryType(st);
      out.push({ rel, key: rel.toString('latin1'), path, abs, type, st });
      if (type === 'dir') subdirs.push({ abs, rel });
    }
    // reversed so that the first subdirectory is popped first: output stays in byte order per level
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i] as (typeof subdirs)[number]);
  }
  return out;
}

/** SHA-256 of a regular file's bytes; O_NOFOLLOW so a file swapped for a link is not followed. */
export function sha256File(abs: Buffer | string): string {
  const hash = createHash('sha256');
  const fd = openSync(abs, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

export function linkTarget(abs: Buffer | string): Buffer {
  return readlinkSync(abs, { encoding: 'buffer' });
}
