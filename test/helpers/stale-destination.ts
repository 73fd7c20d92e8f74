// Turns a copy of a source tree into a destination an earlier, interrupted or outdated sync
// left behind, with every kind of staleness a sync must repair, and says which path is which.
import { execFileSync } from 'node:child_process';
import {
  chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, symlinkSync, truncateSync,
  writeFileSync, writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { setTimeNs } from './ns-time.js';
import { isSpecial, walkTree, type WalkedEntry } from './tree-walk.js';

export interface StaleDestination {
  dst: string;
  /** Same size, different content, mtime an hour older than src. */
  staleSameSize: string[];
  /** Same size and exactly src's mtime, different content: the quick check skips them, --checksum must not. */
  sameSizeSameMtime: string[];
  /** A prefix (half) of the src file, older mtime: what an interrupted copy leaves. */
  partial: string[];
  /** Different content, same size, mtime a day NEWER than src: a plain sync still makes it equal src. */
  newerInDst: string[];
  /** Same content and mtime, other permission bits: metadata to fix without a copy. */
  modeDiffers: string[];
  /** Regular files and symlinks that src does not have. */
  extraFiles: string[];
  /** Directories src does not have, parents before children; some hold files. */
  extraDirs: string[];
  /** A regular file where src has a directory (the directory's subtree is missing). */
  fileWhereSrcHasDir: string[];
  /** A non-empty directory where src has a regular file. */
  dirWhereSrcHasFile: string[];
  /** A symlink to `victimFile` where src has a file: writing through it would damage the victim. */
  symlinkWhereSrcHasFile: string[];
  /** A symlink to `victimDir` where src has a directory: writing through it would fill the victim. */
  symlinkWhereSrcHasDir: string[];
  /** Outside dst (beside it); a correct sync never touches them. */
  victimFile: string;
  victimDir: string;
  /** Special files cp copied that were removed again, since barge skips them. */
  removedSpecials: string[];
}

const HOUR = 3_600_000_000_000n;

function flipped(content: Buffer): Buffer {
  const out = Buffer.from(content);
  for (const i of new Set([0, out.length >> 1, out.length - 1])) out[i] = (out[i] ?? 0) ^ 0xff;
  return out;
}

/** Rewrites a file's bytes in place, keeping its inode, mode and owner. */
function rewrite(path: string, content: Buffer): void {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, content, 0, content.length, 0);
  } finally {
    closeSync(fd);
  }
}

function uniqueName(taken: (rel: string) => boolean, wanted: string): string {
  let name = wanted;
  for (let i = 2; taken(name); i++) name = `${wanted}-${i}`;
  return name;
}

/**
 * Copies `src` to `dst` (which must not exist, or be an empty directory) with cp -a, then damages it.
 * Categories get fewer paths (possibly none) when src lacks candidates: use the returned lists.
 */
export function makeStaleDestination(src: string, dst: string): StaleDestination {
  execFileSync('cp', ['-a', '--sparse=always', '-T', '--', src, dst]);
  const victims = join(dirname(dst), `${basename(dst)}.victims`);
  const s: StaleDestination = {
    dst, staleSameSize: [], sameSizeSameMtime: [], partial: [], newerInDst: [], modeDiffers: [], extraFiles: [],
    extraDirs: [], fileWhereSrcHasDir: [], dirWhereSrcHasFile: [], symlinkWhereSrcHasFile: [], symlinkWhereSrcHasDir: [],
    victimFile: join(victims, 'victim-file.txt'), victimDir: join(victims, 'victim-dir'), removedSpecials: [],
  };
  mkdirSync(s.victimDir, { recursive: true });
  writeFileSync(s.victimFile, 'a file outside the destination; a sync must never write here\n');
  writeFileSync(join(s.victimDir, 'keep.txt'), 'a directory outside the destination\n');

  const entries = walkTree(src).filter((e) => e.key !== '');
  const at = (rel: string): string => join(dst, rel);
  for (const e of entries) {
    if (isSpecial(e.type)) {
      rmSync(at(e.path), { force: true });
      s.removedSpecials.push(e.path);
    }
  }
  const isUnder = (e: WalkedEntry, dir: string): boolean => e.path === dir || e.path.startsWith(`${dir}/`);
  const utf8 = (e: WalkedEntry): boolean => Buffer.from(e.path).equals(e.rel);

  // names that share an inode inside src: a change to one would leak into the others
  const inodeNames = new Map<bigint, number>();
  for (const e of entries) if (e.type === 'file') inodeNames.set(e.st.ino, (inodeNames.get(e.st.ino) ?? 0) + 1);
  const single = (e: WalkedEntry): boolean => e.type === 'file' && inodeNames.get(e.st.ino) === 1;
  const childrenOf = (d: WalkedEntry): WalkedEntry[] =>
    entries.filter((e) => e.path.startsWith(`${d.path}/`) && !e.path.slice(d.path.length + 1).includes('/'));

  // the two smallest directories holding only plain files, so the big files stay for the other cases
  const bytesIn = (d: WalkedEntry): bigint => childrenOf(d).reduce((n, c) => n + c.st.size, 0n);
  const dirPicks = entries
    .filter((d) => d.type === 'dir' && utf8(d) && childrenOf(d).length > 0 && childrenOf(d).every(single))
    .sort((a, b) => Number(bytesIn(a) - bytesIn(b)) || Buffer.compare(a.rel, b.rel))
    .slice(0, 2).map((d) => d.path);
  // two bytes or more, so that a same-size change exists
  const pool = entries.filter((e) => single(e) && e.st.size >= 2n && utf8(e) && !dirPicks.some((p) => isUnder(e, p)));
  const take = (): WalkedEntry | undefined => pool.shift();
  const takeLargest = (): WalkedEntry | undefined => {
    const dense = pool.filter((e) => e.st.blocks * 512n >= e.st.size);
    const best = dense.sort((a, b) => Number(b.st.size - a.st.size))[0];
    if (best) pool.splice(pool.indexOf(best), 1);
    return best;
  };

  const partial = takeLargest();
  if (partial) {
    truncateSync(at(partial.path), Number(partial.st.size / 2n));
    setTimeNs(at(partial.path), partial.st.mtimeNs - 2n * HOUR);
    s.partial.push(partial.path);
  }
  for (const e of [takeLargest(), take()]) {
    if (!e) continue;
    rewrite(at(e.path), flipped(readFileSync(e.abs)));
    setTimeNs(at(e.path), e.st.mtimeNs);
    s.sameSizeSameMtime.push(e.path);
  }
  for (const e of [take(), take()]) {
    if (!e) continue;
    rewrite(at(e.path), flipped(readFileSync(e.abs)));
    setTimeNs(at(e.path), e.st.mtimeNs - HOUR);
    s.staleSameSize.push(e.path);
  }
  const newer = take();
  if (newer) {
    rewrite(at(newer.path), flipped(readFileSync(newer.abs)));
    setTimeNs(at(newer.path), newer.st.mtimeNs + 24n * HOUR);
    s.newerInDst.push(newer.path);
  }
  const modeOnly = take();
  if (modeOnly) {
    chmodSync(at(modeOnly.path), Number((modeOnly.st.mode & 0o7777n) ^ 0o022n));
    s.modeDiffers.push(modeOnly.path);
  }
  const toDir = take();
  if (toDir) {
    rmSync(at(toDir.path));
    mkdirSync(join(at(toDir.path), 'sub'), { recursive: true });
    writeFileSync(join(at(toDir.path), 'sub', 'file'), 'a directory where src has a file\n');
    writeFileSync(join(at(toDir.path), 'file2'), 'more\n');
    s.dirWhereSrcHasFile.push(toDir.path);
  }
  const toLink = take();
  if (toLink) {
    rmSync(at(toLink.path));
    symlinkSync(s.victimFile, at(toLink.path));
    s.symlinkWhereSrcHasFile.push(toLink.path);
  }
  if (dirPicks[0] !== undefined) {
    rmSync(at(dirPicks[0]), { recursive: true });
    writeFileSync(at(dirPicks[0]), 'a file where src has a directory\n');
    s.fileWhereSrcHasDir.push(dirPicks[0]);
  }
  if (dirPicks[1] !== undefined) {
    rmSync(at(dirPicks[1]), { recursive: true });
    symlinkSync(s.victimDir, at(dirPicks[1]));
    s.symlinkWhereSrcHasDir.push(dirPicks[1]);
  }

  const inSrc = new Set(entries.map((e) => e.path));
  const taken = (rel: string): boolean => inSrc.has(rel) || existsSync(at(rel));
  const extraDir = uniqueName(taken, 'extra-dir');
  const emptyDir = uniqueName(taken, 'extra-empty-dir');
  for (const d of [extraDir, `${extraDir}/a`, `${extraDir}/a/b`, emptyDir]) {
    mkdirSync(at(d));
    s.extraDirs.push(d);
  }
  const extraFiles = [uniqueName(taken, 'extra-file.txt'), uniqueName(taken, 'extra\nnew line'),
    `${extraDir}/sibling.txt`, `${extraDir}/a/b/deep-extra.txt`];
  const host = entries.find((e) => e.type === 'dir' && utf8(e) && !dirPicks.some((p) => isUnder(e, p)));
  if (host) extraFiles.push(uniqueName(taken, `${host.path}/extra-inside.txt`));
  for (const f of extraFiles) {
    writeFileSync(at(f), `extra: ${JSON.stringify(f)}\n`);
    s.extraFiles.push(f);
  }
  const extraLink = uniqueName(taken, 'extra-link');
  symlinkSync('extra-file.txt', at(extraLink));
  s.extraFiles.push(extraLink);
  return s;
}
