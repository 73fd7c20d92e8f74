// The listing side of a plan: the request's scans run as a dry run (nothing is written, the
// destination only listed), one directory after another in this thread, and the files they
// hand back to copy are gathered with their sizes. The same planner as a sync's, with its
// filters and quick check, so up-to-date files are not counted.
import { addCounters, emptyCounters, type Counters } from '../core/counters.js';
import type { ErrorRecord } from '../core/errors.js';
import { PathFilter } from '../core/filter.js';
import type { SyncOptions } from '../core/sync-options.js';
import type { ScanTask } from '../core/task-types.js';
import { pairFeatures } from '../storage/pair-features.js';
import type { Storage } from '../storage/storage.js';
import { createHasher } from './hasher.js';
import { sharedCells, type RunContext } from './run-context.js';
import { runScan } from './scan-task.js';

export interface PlanWalk {
  /** the files a sync would copy, in the order the walk found them */
  files: Array<{ path: string; size: number }>;
  /** files of those whose content a sync compares first (--checksum): counted as to copy */
  compareFirst: number;
  counters: Counters;
  errors: ErrorRecord[];
}

/** `names`: how messages name the two roots ("ENDPOINT:/path"); errors past `keepErrors` are counted only */
export async function planWalk(src: Storage, dst: Storage, opts: SyncOptions, o: { nowNs: bigint; names?: { src: string; dst: string }; keepErrors?: number }): Promise<PlanWalk> {
  const dry: SyncOptions = { ...opts, dryRun: true, delete: false };
  const pair = pairFeatures(src.features, dst.features);
  const ctx: RunContext = {
    src, dst, opts: dry, filter: new PathFilter(dry.filter, o.nowNs), resolutionNs: pair.mtimeResolutionNs, pair,
    owner: dry.preserveOwner && dst.features.owner, verbose: false, cells: sharedCells(), limiter: undefined,
    // a dry scan reads no file's bytes: no buffer worth the name
    buffer: Buffer.alloc(0), readHash: createHasher(dry.hash), ...(o.names ? { names: o.names } : {}),
  };
  const out: PlanWalk = { files: [], compareFirst: 0, counters: emptyCounters(), errors: [] };
  const from = await src.stat('');
  if (from === undefined) return out;
  const to = await dst.stat('');
  const keep = o.keepErrors ?? 100;
  // depth first, as a sync walks: the stack holds at most one level's directories per level
  const stack: ScanTask[] = [{ kind: 'scan', rel: '', src: from, dst: to, dstExists: to !== undefined, insideListedDir: false }];
  for (let t = stack.pop(); t !== undefined; t = stack.pop()) {
    const r = await runScan(ctx, t);
    addCounters(out.counters, r.counters);
    for (const e of r.errors) if (out.errors.length < keep) out.errors.push(e);
    for (const c of r.copies ?? []) {
      out.files.push({ path: c.rel, size: c.src.size });
      if (c.compareFirst) out.compareFirst++;
    }
    for (const d of [...(r.descend ?? [])].reverse()) stack.push(d);
  }
  out.counters.filesToCopy = out.files.length;
  out.counters.bytesToCopy = out.files.reduce((n, f) => n + f.size, 0);
  return out;
}
