// The staging buffer of an archive endpoint: a directory where staged files sit under their
// own paths until released, and the byte count that keeps it within its quota. Files land in
// `.barge-staging/` first and are renamed into place once checked, so a file under its path
// is a whole one: what is staged survives a restart of the process, as the buffer is read again.
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BargeError } from '../../core/errors.js';
import { Sessions } from './sessions.js';

export const STAGING_DIR = '.barge-staging';

/** a path relative to the buffer's top, refused when it would leave it */
export function checkRel(rel: string): string {
  const parts = rel.split('/');
  if (rel === '' || rel.startsWith('/') || rel.includes('\0') || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new BargeError('E_PATH_ESCAPE', `not a file path below the archive's top: ${JSON.stringify(rel)}`, { path: rel });
  }
  if (parts[0] === STAGING_DIR) throw new BargeError('E_NAME', `${STAGING_DIR} is the buffer's own directory`, { path: rel });
  return rel;
}

export class StagingBuffer {
  private used: number | undefined;
  private reserved = 0;
  private peak = 0;

  constructor(readonly top: string, readonly quota: number, readonly sessions: Sessions) {}

  fileOf(rel: string): string {
    return path.join(this.top, checkRel(rel));
  }

  /** the bytes of staged files: counted from the directory on first use (a restart keeps what is there), then kept */
  usedBytes(): number {
    if (this.used === undefined) {
      fs.mkdirSync(this.top, { recursive: true });
      fs.rmSync(path.join(this.top, STAGING_DIR), { recursive: true, force: true }); // halves of a stopped stage
      this.used = sizeOfTree(this.top);
      this.peak = Math.max(this.peak, this.used);
    }
    return this.used;
  }

  /** a new temporary name for a file on its way in */
  tempFile(): string {
    this.usedBytes();
    const dir = path.join(this.top, STAGING_DIR);
    fs.mkdirSync(dir, { recursive: true });
    return path.join(dir, randomUUID());
  }

  /** the file is staged whole: it is under its path with the size the archive gave */
  isStaged(rel: string, size: number): boolean {
    try {
      const st = fs.statSync(this.fileOf(rel));
      return st.isFile() && st.size === size;
    } catch {
      return false;
    }
  }

  /**
   * Room for `bytes` more is held for a file on its way in, or why not: it would pass the
   * quota, or the buffer's file system has not that much free beside what is on its way (a
   * quota larger than the disk, or a disk shared with others: the copy would fail half-way).
   */
  reserve(bytes: number): true | 'quota' | 'disk' {
    const room = this.room(bytes);
    if (room === true) this.reserved += bytes;
    return room;
  }

  /** whether `bytes` more would be admitted now (reserve without reserving) */
  room(bytes: number): true | 'quota' | 'disk' {
    if (this.usedBytes() + this.reserved + bytes > this.quota) return 'quota';
    const disk = this.disk();
    // a file on its way takes its room as it is written: all it reserved is counted as taken
    if (disk !== undefined && this.reserved + bytes > disk.free) return 'disk';
    return true;
  }

  /** the buffer's file system: bytes free to this process and its size; undefined when it does not say */
  disk(): { free: number; total: number } | undefined {
    try {
      const s = fs.statfsSync(this.top);
      return { free: s.bavail * s.bsize, total: s.blocks * s.bsize };
    } catch {
      return undefined;
    }
  }

  unreserve(bytes: number): void {
    this.reserved -= bytes;
  }

  /** the temporary file checked and renamed into place: its reservation becomes used bytes */
  land(temp: string, rel: string, bytes: number): void {
    const to = this.fileOf(rel);
    let replaced = 0;
    try { replaced = fs.statSync(to).size; } catch { /* nothing there */ }
    try {
      fs.renameSync(temp, to);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      // its directory is made here, and may be pruned by a release in another process meanwhile: once more
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.renameSync(temp, to);
    }
    this.reserved -= bytes;
    this.used = this.usedBytes() + bytes - replaced;
    this.peak = Math.max(this.peak, this.used);
  }

  /** removes the staged file; one not there is not an error */
  release(rel: string): void {
    const file = this.fileOf(rel);
    let size: number;
    try { size = fs.statSync(file).size; } catch { return; }
    fs.rmSync(file, { force: true });
    this.used = this.usedBytes() - size;
    // directories left empty go too, so that a drained buffer is an empty one
    for (let dir = path.dirname(file); dir !== this.top && dir.startsWith(this.top + path.sep); dir = path.dirname(dir)) {
      try { fs.rmdirSync(dir); } catch { break; }
    }
  }

  stats(): Record<string, number> {
    return { usedBytes: this.usedBytes(), reservedBytes: this.reserved, peakBytes: this.peak, quotaBytes: this.quota };
  }
}

function sizeOfTree(top: string): number {
  let total = 0;
  for (const e of fs.readdirSync(top, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += fs.statSync(path.join(e.parentPath, e.name)).size;
  }
  return total;
}

const buffers = new Map<string, StagingBuffer>();

/** the buffer of this directory in this process: every open of an endpoint shares its count and its drives */
export function stagingBuffer(dir: string, quota: number, drives: number): StagingBuffer {
  const top = path.resolve(dir); // one spelling per directory: "/buf/" and "/buf" are one buffer
  let b = buffers.get(top);
  if (b === undefined || b.quota !== quota || b.sessions.limit !== drives) {
    b = new StagingBuffer(top, quota, new Sessions(drives));
    buffers.set(top, b);
  }
  return b;
}
