// Many small files of one directory in one native call each way (small_files.c): the
// numbers travel in typed arrays, the names as strings (bytes where not UTF-8), the bytes in one buffer.
import type { ManyRead, ManyReadResult, ManyWrite, MetaChoice } from '../storage.js';
import { native, READ_FIELDS, WRITE_FIELDS } from './native.js';
import { joinNs, splitNs } from './ns-time.js';
import { checkName } from './path-guard.js';
import { fsPath } from './fs-path.js';

export function readMany(dirAbs: string, followDir: boolean, files: readonly ManyRead[], buf: Buffer): (ManyReadResult | undefined)[] {
  const sizes = new Float64Array(files.length);
  for (let i = 0; i < files.length; i++) {
    checkName((files[i] as ManyRead).name);
    sizes[i] = (files[i] as ManyRead).size;
  }
  const out = new Float64Array(files.length * READ_FIELDS);
  native.readFiles(dirAbs, followDir, files.map((f) => fsPath(f.name)), sizes, buf, out);
  const results: (ManyReadResult | undefined)[] = [];
  for (let i = 0, o = 0; i < files.length; i++, o += READ_FIELDS) {
    if (out[o] !== 0) { results.push(undefined); continue; }
    results.push({
      offset: out[o + 1] as number, length: out[o + 2] as number, size: out[o + 3] as number,
      mtimeNs: joinNs(out[o + 4] as number, out[o + 5] as number),
    });
  }
  return results;
}

/** oneAtATime: no other thread of this process creates a batch meanwhile. Per file: 0 written, else the errno */
export function writeMany(dirAbs: string, followDir: boolean, files: readonly ManyWrite[], buf: Buffer, choice: MetaChoice, oneAtATime = false): number[] {
  const items = new Float64Array(files.length * WRITE_FIELDS);
  for (let i = 0, o = 0; i < files.length; i++, o += WRITE_FIELDS) {
    const f = files[i] as ManyWrite;
    checkName(f.name);
    const [sec, nsec] = splitNs(f.meta.mtimeNs);
    items[o] = f.offset;
    items[o + 1] = f.length;
    items[o + 2] = f.meta.mode;
    items[o + 3] = f.meta.uid;
    items[o + 4] = f.meta.gid;
    items[o + 5] = sec;
    items[o + 6] = nsec;
  }
  const out = new Int32Array(files.length);
  native.writeFiles(dirAbs, followDir, files.map((f) => fsPath(f.name)), buf, items, (choice.owner ? 1 : 0) | (choice.fsync ? 2 : 0) | (oneAtATime ? 4 : 0), out);
  return Array.from(out);
}
