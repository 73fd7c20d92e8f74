// What a copy from one storage to another may keep: each feature of the pair, read once
// when a run's context is built, so that the engine asks data ("does DST keep symlinks?")
// rather than calling a method and reading its failure. A source's staging is not here:
// a file is staged before any task reads it.
import type { StorageFeatures } from './storage.js';

export interface PairFeatures {
  /** symlinks are made as links on DST */
  symlinks: boolean;
  /** hard links of SRC can be made as hard links on DST */
  hardlinks: boolean;
  /** holes can be left on DST */
  sparse: boolean;
  /** the coarsest mtime step of the two: a difference below it is no difference */
  mtimeResolutionNs: bigint;
  /** the largest chunk DST takes in one piece; undefined: no limit */
  maxChunkSize: number | undefined;
}

export function pairFeatures(src: StorageFeatures, dst: StorageFeatures): PairFeatures {
  return {
    symlinks: dst.symlinks,
    hardlinks: src.hardlinks && dst.hardlinks,
    sparse: dst.sparse,
    mtimeResolutionNs: src.mtimeResolutionNs > dst.mtimeResolutionNs ? src.mtimeResolutionNs : dst.mtimeResolutionNs,
    maxChunkSize: dst.maxChunkSize,
  };
}
