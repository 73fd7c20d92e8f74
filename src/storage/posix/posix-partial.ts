// Partial large files on posix: a stable hidden name beside the destination plus an
// append-only journal of the chunks written, so an interrupted copy resumes.
import * as fs from 'node:fs';
import { journalNameFor, partialNameFor } from '../../core/temp-names.js';
import type { ChunkWriter, EntryMeta, MetaChoice, PartialFile } from '../storage.js';
import { classifyError } from './classify-error.js';
import { applyMetaFd, kernelCopier, writeAt } from './posix-writer.js';

const HEADER = 'barge-partial 1';

export interface PartialPaths {
  finalAbs: string;
  partialAbs: string;
  journalAbs: string;
}

/** the names beside `name` in a directory given by a path (a held descriptor's /proc path) */
export function partialPaths(dir: string, name: string): PartialPaths {
  return {
    finalAbs: `${dir}/${name}`,
    partialAbs: `${dir}/${partialNameFor(name)}`,
    journalAbs: `${dir}/${journalNameFor(name)}`,
  };
}

const NOFOLLOW = fs.constants.O_NOFOLLOW;

function readJournal(journalAbs: string, header: string): Map<number, string> | undefined {
  let text: string;
  try {
    const fd = fs.openSync(journalAbs, fs.constants.O_RDONLY | NOFOLLOW);
    try { text = fs.readFileSync(fd, 'utf8'); } finally { fs.closeSync(fd); }
  } catch {
    return undefined; // missing, or a symlink planted in its place: start afresh
  }
  const lines = text.split('\n');
  if (lines[0] !== header) return undefined;
  const recorded = new Map<number, string>();
  for (const line of lines.slice(1)) {
    const m = /^chunk (\d+) ([0-9a-f]+)$/.exec(line);
    if (m) recorded.set(Number(m[1]), m[2] as string); // a torn last line is simply not recorded
  }
  return recorded;
}

export function preparePartial(p: PartialPaths, rel: string, size: number, identity: string, chunkSize: number): PartialFile {
  const header = `${HEADER} ${identity} ${size} ${chunkSize}`;
  try {
    const recorded = readJournal(p.journalAbs, header);
    const st = fs.lstatSync(p.partialAbs, { throwIfNoEntry: false });
    if (recorded && st?.isFile() && st.size === size) return { recorded };
    // nothing usable: start afresh (unlink, never write through, whatever is there)
    fs.rmSync(p.partialAbs, { force: true });
    fs.rmSync(p.journalAbs, { force: true });
    const fd = fs.openSync(p.partialAbs, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | NOFOLLOW, 0o600);
    try { fs.ftruncateSync(fd, size); } finally { fs.closeSync(fd); }
    const jfd = fs.openSync(p.journalAbs, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | NOFOLLOW, 0o600);
    try { fs.writeSync(jfd, header + '\n'); } finally { fs.closeSync(jfd); }
    return { recorded: new Map() };
  } catch (e) {
    throw classifyError(e, 'prepare partial file', rel);
  }
}

export function openPartialWrite(p: PartialPaths, rel: string, sparse: boolean): ChunkWriter {
  let fd: number;
  try {
    fd = fs.openSync(p.partialAbs, fs.constants.O_WRONLY | fs.constants.O_NOFOLLOW);
  } catch (e) {
    throw classifyError(e, 'open partial file', rel);
  }
  return {
    write(bytes, position) {
      try { writeAt(fd, bytes, position, sparse); return Promise.resolve(); } catch (e) { return Promise.reject(classifyError(e, 'write', rel)); }
    },
    copyFrom: kernelCopier(() => fd, sparse, rel),
    close() {
      try { fs.closeSync(fd); } catch { /* already closed */ }
      return Promise.resolve();
    },
  };
}

export function recordChunk(p: PartialPaths, rel: string, index: number, hash: string): void {
  try {
    // O_APPEND: lines from several writers never interleave; O_NOFOLLOW: never through a link
    const fd = fs.openSync(p.journalAbs, fs.constants.O_WRONLY | fs.constants.O_APPEND | NOFOLLOW);
    try { fs.writeSync(fd, `chunk ${index} ${hash}\n`); } finally { fs.closeSync(fd); }
  } catch (e) {
    throw classifyError(e, 'record chunk', rel);
  }
}

export function commitPartial(p: PartialPaths, rel: string, meta: EntryMeta, choice: MetaChoice): void {
  try {
    const fd = fs.openSync(p.partialAbs, fs.constants.O_WRONLY | fs.constants.O_NOFOLLOW);
    try { applyMetaFd(fd, meta, choice); } finally { fs.closeSync(fd); }
    fs.renameSync(p.partialAbs, p.finalAbs);
    fs.rmSync(p.journalAbs, { force: true });
  } catch (e) {
    throw classifyError(e, 'commit', rel);
  }
}

export function abortPartial(p: PartialPaths): void {
  fs.rmSync(p.partialAbs, { force: true });
  fs.rmSync(p.journalAbs, { force: true });
}
