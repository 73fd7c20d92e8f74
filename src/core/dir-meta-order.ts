// The last pass over directory metadata: deepest first, one depth at a time, so that
// setting a child's times cannot bump its parent's after the parent's were set.
import { depthOf } from './entry.js';
import type { DirMetaItem, DirMetaTask } from './task-types.js';

/** the depth a directory's metadata is set at (the service stores it, the store orders by it) */
export function dirMetaDepth(rel: string): number {
  return depthOf(rel);
}

/** the directories grouped by depth, the deepest group first */
export function dirMetaRounds<T extends { rel: string }>(dirs: readonly T[]): T[][] {
  const byDepth = new Map<number, T[]>();
  for (const d of dirs) {
    const k = dirMetaDepth(d.rel);
    let l = byDepth.get(k);
    if (!l) byDepth.set(k, (l = []));
    l.push(d);
  }
  return [...byDepth.keys()].sort((a, b) => b - a).map((k) => byDepth.get(k) ?? []);
}

/** one round's directories as tasks of at most `size` each */
export function dirMetaTasks(dirs: readonly DirMetaItem[], size: number): DirMetaTask[] {
  if (size <= 0) throw new RangeError('size must be positive');
  const out: DirMetaTask[] = [];
  for (let k = 0; k < dirs.length; k += size) out.push({ kind: 'dirmeta', dirs: dirs.slice(k, k + size) });
  return out;
}
