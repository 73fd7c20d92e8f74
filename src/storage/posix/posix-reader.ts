// Reading a posix file at explicit offsets through one descriptor.
import * as fs from 'node:fs';
import type { FileReader } from '../storage.js';
import { classifyError } from './classify-error.js';
import { native } from './native.js';
import type { FsPath } from './fs-path.js';

/**
 * Released bytes leave the page cache in whole steps of this size, the largest folio the
 * kernel caches a file in: the kernel drops only folios wholly inside the range it is
 * given, so a step ending inside a folio would leave it, and the next step takes it.
 */
const DROP_STEP = 2 * 1024 * 1024;
const stepDown = (n: number): number => n - (n % DROP_STEP);
const stepUp = (n: number): number => stepDown(n + DROP_STEP - 1);

/** the descriptor behind each open posix reader, for a posix writer's in-kernel copy */
const descriptors = new WeakMap<FileReader, number>();

export function posixFdOf(r: FileReader): number | undefined {
  return descriptors.get(r);
}

/** false once a file system has said it cannot read without waiting (EOPNOTSUPP) */
let nowaitReads = true;

/**
 * Bytes already in the page cache, read on the calling thread: a copy of cached pages
 * costs less than a trip to the thread pool and back. undefined: not all cached (the
 * kernel has started reading them ahead), for the pool to read.
 */
function readCached(fd: number, buf: Buffer, length: number, position: number, rel: string): Promise<number> | undefined {
  if (!nowaitReads) return undefined;
  try {
    const n = native.readCached(fd, buf, length, position);
    return n < 0 ? undefined : Promise.resolve(n);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EOPNOTSUPP') { nowaitReads = false; return undefined; }
    return Promise.reject(classifyError(e, 'read', rel));
  }
}

/**
 * noFollow: false only for /proc/self/fd links, which must be followed. asyncReads: a read
 * never waits for the disk in the calling thread: cached bytes are read at once (perhaps
 * fewer than asked), the others on libuv's thread pool (see PosixStorage's option).
 */
export function openReader(abs: FsPath, rel: string, noFollow = true, asyncReads = false): FileReader {
  const fd = fs.openSync(abs, fs.constants.O_RDONLY | (noFollow ? fs.constants.O_NOFOLLOW : 0));
  let size: number | undefined;
  // an asynchronous read still in flight: close waits for it, so that the descriptor is
  // never closed (and its number perhaps reused) under it
  let inFlight: Promise<unknown> | undefined;
  // released bytes: [droppedTo, releasedTo) are still to be dropped from the page cache
  let droppedTo = 0;
  let releasedTo = 0;
  const drop = (to: number): void => {
    if (to > droppedTo) native.dropCache(fd, droppedTo, to - droppedTo); // advisory: its errno is of no use
  };
  const reader: FileReader = {
    // asked for only when the caller has no listing to go by: one fstat less per file
    get size(): number {
      size ??= fs.fstatSync(fd).size;
      return size;
    },
    read(buf, length, position) {
      if (asyncReads) {
        const cached = readCached(fd, buf, length, position, rel);
        if (cached !== undefined) return cached;
        const reading = new Promise<number>((resolve, reject) => {
          fs.read(fd, buf, 0, length, position, (e, n) => { if (e) reject(classifyError(e, 'read', rel)); else resolve(n); });
        });
        inFlight = Promise.allSettled([inFlight, reading]);
        return reading;
      }
      try { return Promise.resolve(fs.readSync(fd, buf, 0, length, position)); } catch (e) { return Promise.reject(classifyError(e, 'read', rel)); }
    },
    identity() {
      try {
        const st = fs.fstatSync(fd, { bigint: true });
        return Promise.resolve({ size: Number(st.size), mtimeNs: st.mtimeNs });
      } catch (e) {
        return Promise.reject(classifyError(e, 'stat', rel));
      }
    },
    release(position, length) {
      const end = position + length;
      if (end <= droppedTo) return; // dropped already: a re-read
      // a range apart from the last one starts its own: what lies between was not released
      if (position > releasedTo) droppedTo = stepDown(position);
      releasedTo = Math.max(releasedTo, end);
      if (stepDown(releasedTo) > droppedTo) {
        drop(stepDown(releasedTo));
        droppedTo = stepDown(releasedTo);
      }
    },
    async close() {
      if (inFlight) await inFlight;
      // up to the step's end: the last folio may reach past the file's last byte
      drop(stepUp(releasedTo));
      descriptors.delete(reader);
      try { fs.closeSync(fd); } catch { /* already closed */ }
    },
  };
  descriptors.set(reader, fd);
  return reader;
}

