// Reading a posix file at explicit offsets through one descriptor.
import * as fs from 'node:fs';
import type { FileReader } from '../storage.js';
import { classifyError } from './classify-error.js';

/** noFollow: false only for /proc/self/fd links, which must be followed */
export function openReader(abs: string, rel: string, noFollow = true): FileReader {
  const fd = fs.openSync(abs, fs.constants.O_RDONLY | (noFollow ? fs.constants.O_NOFOLLOW : 0));
  let size: number | undefined;
  return {
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
      try { fs.closeSync(fd); } catch { /* already closed */ }
      return Promise.resolve();
    },
  };
}

