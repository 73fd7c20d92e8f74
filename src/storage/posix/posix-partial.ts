// Partial large files on posix: a stable hidden name beside the destination plus an
// append-only journal of the chunks written, so an interrupted copy resumes.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { BargeError } from '../../core/errors.js';
import { journalNameFor, partialNameFor, tempNameFor } from '../../core/temp-names.js';
import type { ChunkWriter, EntryMeta, MetaChoice, PartialCheck, PartialFile } from '../storage.js';
import { classifyError } from './classify-error.js';
import { native } from './native.js';
import { applyMetaFd, detachedWrite, kernelCopier, writeAt } from './posix-writer.js';
import { type FsPath, fsPath } from './fs-path.js';

const HEADER = 'barge-partial 1';

export interface PartialPaths {
  finalAbs: FsPath;
  partialAbs: FsPath;
  journalAbs: FsPath;
  /** a fresh temporary name beside them (a name the next scan knows as barge's own) */
  tempAbs: () => FsPath;
}

/** the names beside `name` in a directory given by a path (a held descriptor's /proc path) */
export function partialPaths(dir: string, name: string): PartialPaths {
  return {
    finalAbs: fsPath(`${dir}/${name}`),
    partialAbs: fsPath(`${dir}/${partialNameFor(name)}`),
    journalAbs: fsPath(`${dir}/${journalNameFor(name)}`),
    tempAbs: () => fsPath(`${dir}/${tempNameFor(name)}`),
  };
}

const NOFOLLOW = fs.constants.O_NOFOLLOW;

/**
 * Ownership. The journal's second line, `owner <token>`, names the run that prepared the
 * partial last; preparePartial writes a fresh token each time, so a second run of the same
 * file takes the partial over (a resume after its owner died is the same step). A writer
 * checks the token through the very descriptor it then uses: a chunk writer opens the
 * partial first and reads the journal after (a takeover removes the journal before it makes
 * a new partial, so a descriptor of the new partial never sees the old owner's journal),
 * recordChunk reads and appends through one descriptor, and commit links the inode it
 * checked, never whatever is at the name by then.
 */
const OWNER_RE = /^owner ([0-9a-z]+)$/;

function newOwner(): string {
  return crypto.randomBytes(12).toString('hex');
}

function tookOver(rel: string): BargeError {
  return new BargeError('E_CHANGED', 'another run took over this partial file; the destination is left to it', { path: rel });
}

/** the owner line of a journal read through `fd` (undefined: none, or no journal) */
function ownerAt(fd: number): string | undefined {
  const buf = Buffer.alloc(1024);
  const n = fs.readSync(fd, buf, 0, buf.length, 0);
  const line = buf.subarray(0, n).toString('utf8').split('\n')[1] ?? '';
  return OWNER_RE.exec(line)?.[1];
}

function checkOwner(journalAbs: FsPath, rel: string, owner: string): void {
  let fd: number;
  try {
    fd = fs.openSync(journalAbs, fs.constants.O_RDONLY | NOFOLLOW);
  } catch {
    throw tookOver(rel); // its journal is gone: another run removed or committed the partial
  }
  try {
    if (ownerAt(fd) !== owner) throw tookOver(rel);
  } finally { fs.closeSync(fd); }
}

interface Journal {
  header: string;
  owner: string | undefined;
  recorded: Map<number, string>;
}

function parseJournal(text: string): Journal {
  const lines = text.split('\n');
  const recorded = new Map<number, string>();
  for (const line of lines.slice(1)) {
    const m = /^chunk (\d+) ([0-9a-f]+)$/.exec(line);
    if (m) recorded.set(Number(m[1]), m[2] as string); // a torn last line is simply not recorded
  }
  return { header: lines[0] ?? '', owner: OWNER_RE.exec(lines[1] ?? '')?.[1], recorded };
}

function readJournal(journalAbs: FsPath, header: string): Map<number, string> | undefined {
  let text: string;
  try {
    const fd = fs.openSync(journalAbs, fs.constants.O_RDONLY | NOFOLLOW);
    try { text = fs.readFileSync(fd, 'utf8'); } finally { fs.closeSync(fd); }
  } catch {
    return undefined; // missing, or a symlink planted in its place: start afresh
  }
  const j = parseJournal(text);
  return j.header === header ? j.recorded : undefined;
}

function journalText(header: string, owner: string, recorded: Map<number, string>): string {
  let text = `${header}\nowner ${owner}\n`;
  for (const [index, hash] of recorded) text += `chunk ${index} ${hash}\n`;
  return text;
}

export function preparePartial(p: PartialPaths, rel: string, size: number, identity: string, chunkSize: number): PartialFile {
  const header = `${HEADER} ${identity} ${size} ${chunkSize}`;
  const owner = newOwner();
  try {
    const recorded = readJournal(p.journalAbs, header);
    const st = fs.lstatSync(p.partialAbs, { throwIfNoEntry: false });
    if (recorded && st?.isFile() && st.size === size) {
      // resume, by this run from now on: a new journal with its token and the recorded chunks, swapped in whole
      const tmp = p.tempAbs();
      const jfd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | NOFOLLOW, 0o600);
      try { fs.writeSync(jfd, journalText(header, owner, recorded)); } finally { fs.closeSync(jfd); }
      fs.renameSync(tmp, p.journalAbs);
      return { recorded, owner };
    }
    // nothing usable: start afresh (unlink, never write through, whatever is there). The
    // journal goes first: a writer holding the old partial then finds no owner of its own.
    fs.rmSync(p.journalAbs, { force: true });
    fs.rmSync(p.partialAbs, { force: true });
    const fd = fs.openSync(p.partialAbs, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | NOFOLLOW, 0o600);
    try { fs.ftruncateSync(fd, size); } finally { fs.closeSync(fd); }
    const jfd = fs.openSync(p.journalAbs, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | NOFOLLOW, 0o600);
    try { fs.writeSync(jfd, journalText(header, owner, new Map())); } finally { fs.closeSync(jfd); }
    return { recorded: new Map(), owner };
  } catch (e) {
    throw classifyError(e, 'prepare partial file', rel);
  }
}

export function openPartialWrite(p: PartialPaths, rel: string, sparse: boolean, owner?: string): ChunkWriter {
  let fd: number;
  try {
    fd = fs.openSync(p.partialAbs, fs.constants.O_WRONLY | fs.constants.O_NOFOLLOW);
  } catch (e) {
    if (owner !== undefined && (e as NodeJS.ErrnoException).code === 'ENOENT') throw tookOver(rel);
    throw classifyError(e, 'open partial file', rel);
  }
  if (owner !== undefined) {
    try { checkOwner(p.journalAbs, rel, owner); } catch (e) { fs.closeSync(fd); throw e; }
  }
  return {
    write(bytes, position) {
      try { writeAt(fd, bytes, position, sparse); return Promise.resolve(); } catch (e) { return Promise.reject(classifyError(e, 'write', rel)); }
    },
    writeDetached(parts, position) {
      return detachedWrite(fd, parts, position, sparse, false, rel);
    },
    copyFrom: kernelCopier(() => fd, sparse, rel),
    close() {
      try { fs.closeSync(fd); } catch { /* already closed */ }
      return Promise.resolve();
    },
  };
}

export function recordChunk(p: PartialPaths, rel: string, index: number, hash: string, owner?: string): void {
  let fd: number;
  try {
    // O_APPEND: lines from several writers never interleave; O_NOFOLLOW: never through a link
    fd = fs.openSync(p.journalAbs, fs.constants.O_RDWR | fs.constants.O_APPEND | NOFOLLOW);
  } catch (e) {
    if (owner !== undefined && (e as NodeJS.ErrnoException).code === 'ENOENT') throw tookOver(rel);
    throw classifyError(e, 'record chunk', rel);
  }
  try {
    // checked and appended through one descriptor: a journal swapped in meanwhile is not written
    if (owner !== undefined && ownerAt(fd) !== owner) throw tookOver(rel);
    fs.writeSync(fd, `chunk ${index} ${hash}\n`);
  } catch (e) {
    throw classifyError(e, 'record chunk', rel);
  } finally { fs.closeSync(fd); }
}

/** the journal (read through `fd`) is `owner`'s and records exactly `chunkHashes`, and the partial has its size */
function checkComplete(journalAbs: FsPath, partialFd: number, rel: string, check: PartialCheck): void {
  let text: string;
  try {
    const jfd = fs.openSync(journalAbs, fs.constants.O_RDONLY | NOFOLLOW);
    try { text = fs.readFileSync(jfd, 'utf8'); } finally { fs.closeSync(jfd); }
  } catch {
    throw tookOver(rel);
  }
  const j = parseJournal(text);
  if (j.owner !== check.owner) throw tookOver(rel);
  const size = Number(j.header.split(' ').at(-2));
  const n = check.chunkHashes.length;
  const missing = check.chunkHashes.findIndex((h, i) => j.recorded.get(i) !== h);
  if (missing >= 0 || j.recorded.size !== n || fs.fstatSync(partialFd).size !== size) {
    throw new BargeError('E_CHANGED', missing >= 0
      ? `the partial file's chunk ${missing} is not the one this run sent; not committed`
      : 'the partial file is not complete as this run sent it; not committed', { path: rel });
  }
}

export function commitPartial(p: PartialPaths, rel: string, meta: EntryMeta, choice: MetaChoice, check?: PartialCheck): void {
  let fd: number;
  try {
    fd = fs.openSync(p.partialAbs, fs.constants.O_WRONLY | fs.constants.O_NOFOLLOW);
  } catch (e) {
    throw classifyError(e, 'commit', rel);
  }
  try {
    if (check) checkComplete(p.journalAbs, fd, rel, check);
    applyMetaFd(fd, meta, choice);
    if (check) {
      commitInode(fd, p, rel);
      if (ownerOfJournal(p.journalAbs) === check.owner) fs.rmSync(p.journalAbs, { force: true });
    } else {
      fs.renameSync(p.partialAbs, p.finalAbs);
      fs.rmSync(p.journalAbs, { force: true });
    }
  } catch (e) {
    throw classifyError(e, 'commit', rel);
  } finally { fs.closeSync(fd); }
}

function ownerOfJournal(journalAbs: FsPath): string | undefined {
  try {
    const fd = fs.openSync(journalAbs, fs.constants.O_RDONLY | NOFOLLOW);
    try { return ownerAt(fd); } finally { fs.closeSync(fd); }
  } catch { return undefined; }
}

/**
 * the checked inode, not whatever is at the partial's name by now, takes the final name:
 * a second name for it (linkat of the descriptor; ENOENT once a takeover unlinked it), then
 * an atomic rename over the final name; the partial's name goes if it is still this inode
 */
function commitInode(fd: number, p: PartialPaths, rel: string): void {
  const st = fs.fstatSync(fd);
  const tmp = p.tempAbs();
  try {
    native.linkFd(fd, tmp);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw tookOver(rel);
    // no linkat by descriptor here: the name, checked once more just before the rename
    const now = fs.lstatSync(p.partialAbs, { throwIfNoEntry: false });
    if (!now || now.ino !== st.ino || now.dev !== st.dev) throw tookOver(rel);
    fs.renameSync(p.partialAbs, p.finalAbs);
    return;
  }
  try {
    fs.renameSync(tmp, p.finalAbs);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  const now = fs.lstatSync(p.partialAbs, { throwIfNoEntry: false });
  if (now && now.ino === st.ino && now.dev === st.dev) fs.rmSync(p.partialAbs, { force: true });
}

export function abortPartial(p: PartialPaths, owner?: string): void {
  if (owner !== undefined && ownerOfJournal(p.journalAbs) !== owner) return; // another run's now: not ours to remove
  fs.rmSync(p.partialAbs, { force: true });
  fs.rmSync(p.journalAbs, { force: true });
}
