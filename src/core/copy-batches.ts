// Small files go to workers in batches bounded by count and bytes. The one-shot run and
// the service use different limits on purpose (see each caller); the cut is the same.
import type { FileItem } from './task-types.js';

export interface BatchLimits {
  maxFiles: number;
  maxBytes: number;
}

/**
 * How many files from `start` make the next batch: at least one (a file larger than
 * maxBytes goes alone), then while under maxFiles and the bytes stay within maxBytes.
 */
export function nextBatchLength(files: readonly FileItem[], start: number, limits: BatchLimits): number {
  let n = 0;
  let bytes = 0;
  for (let k = start; k < files.length && n < limits.maxFiles; k++) {
    const size = (files[k] as FileItem).src.size;
    if (n > 0 && bytes + size > limits.maxBytes) break;
    bytes += size;
    n++;
  }
  return n;
}

/** all the files, in order, cut into batches */
export function copyBatches(files: readonly FileItem[], limits: BatchLimits): FileItem[][] {
  if (limits.maxFiles <= 0) throw new RangeError('maxFiles must be positive');
  const out: FileItem[][] = [];
  for (let k = 0; k < files.length;) {
    const n = nextBatchLength(files, k, limits);
    out.push(files.slice(k, k + n));
    k += n;
  }
  return out;
}
