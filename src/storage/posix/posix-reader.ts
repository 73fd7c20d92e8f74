// Reading a posix file at explicit offsets through one descriptor.
import * as fs from 'node:fs';
import type { FileReader } from '../storage.js';
import { classifyError } from './classify-error.js';

/** the descriptor behind each open posix reader, for a posix writer's in-kernel copy */
const descriptors = new WeakMap<FileReader, number>();

export function posixFdOf(r: FileReader): number | undefined {
  return descriptors.get(r);
}

/** noFollow: false only for /proc/self/fd links, which must be followed */
export function openReader(abs: string, rel: string, noFollow = true): FileReader {
  const fd = fs.openSync(abs, fs.constants.O_RDONLY | (noFollow ? fs.constants.O_NOFOLLOW : 0));
  let size: number | undefined;
  const reader: FileReader = {
    // asked for only when the caller has no listing to go by: one fstat less per file
    get size(): number {
      size ??= fs.fstatSync(fd).size;
      return size;
    },
    read(buf, length, position) {
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
    close() {
      descriptors.delete(reader);
      try { fs.closeSync(fd); } catch { /* already closed */ }
      return Promise.resolve();
    },
  };
  descriptors.set(reader, fd);
  return reader;
}

