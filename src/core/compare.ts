// The quick check: does a destination file need its content copied, or only its metadata set?
import type { Entry } from './entry.js';
import type { CompareMode } from './sync-options.js';
import { sameXattrs } from './xattrs.js';

/** mtimes equal at a resolution of `resolutionNs` (the coarsest both sides keep) */
export function sameMtime(a: bigint, b: bigint, resolutionNs: bigint): boolean {
  if (resolutionNs <= 1n) return a === b;
  return floorDiv(a, resolutionNs) === floorDiv(b, resolutionNs);
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q;
}

export type ContentVerdict = 'same' | 'differs' | 'hash-both';

/** Decide from metadata alone; 'hash-both' asks the copier to compare content (--checksum). */
export function compareContent(src: Entry, dst: Entry, mode: CompareMode, resolutionNs: bigint): ContentVerdict {
  if (src.size !== dst.size) return 'differs';
  if (mode === 'size-only') return 'same';
  if (mode === 'checksum') return 'hash-both';
  return sameMtime(src.mtimeNs, dst.mtimeNs, resolutionNs) ? 'same' : 'differs';
}

export interface MetaDiff {
  mode: boolean;
  owner: boolean;
  mtime: boolean;
  /** carried xattrs or ACLs differ (only when the source was listed with them: -A / -X) */
  xattrs: boolean;
}

export function metaDiff(src: Entry, dst: Entry, preserveOwner: boolean, resolutionNs: bigint): MetaDiff {
  return {
    mode: src.type !== 'symlink' && src.mode !== dst.mode,
    owner: preserveOwner && (src.uid !== dst.uid || src.gid !== dst.gid),
    mtime: !sameMtime(src.mtimeNs, dst.mtimeNs, resolutionNs),
    xattrs: src.xattrs !== undefined && !sameXattrs(src.xattrs, dst.xattrs),
  };
}

export function anyMeta(d: MetaDiff): boolean {
  return d.mode || d.owner || d.mtime || d.xattrs;
}
