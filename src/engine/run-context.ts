// What a task runner needs while it runs tasks of one sync: both storages, the
// options, and the memory it shares with the other threads (progress, abort, rate).
import { BargeError } from '../core/errors.js';
import type { PathFilter } from '../core/filter.js';
import type { SyncOptions } from '../core/sync-options.js';
import type { PairFeatures } from '../storage/pair-features.js';
import type { Storage } from '../storage/storage.js';
import type { BandwidthLimiter } from './bandwidth-limiter.js';
import type { Hasher } from './hasher.js';

/** Int32 cells shared by all threads of a run */
export const CELL_ABORT = 0;
/** BigInt64 cells */
export const CELL_BYTES = 0;

export interface SharedCells {
  flags: Int32Array;
  counters: BigInt64Array;
}

export function sharedCells(memory?: { flags: SharedArrayBuffer; counters: SharedArrayBuffer }): SharedCells & { memory: { flags: SharedArrayBuffer; counters: SharedArrayBuffer } } {
  const m = memory ?? { flags: new SharedArrayBuffer(4 * 4), counters: new SharedArrayBuffer(8 * 4) };
  return { flags: new Int32Array(m.flags), counters: new BigInt64Array(m.counters), memory: m };
}

export interface RunContext {
  src: Storage;
  dst: Storage;
  opts: SyncOptions;
  filter: PathFilter;
  /** the coarsest mtime resolution of the two sides */
  resolutionNs: bigint;
  /** what the two storages let a copy keep (symlinks, hard links, holes) */
  pair: PairFeatures;
  /** set owner and group */
  owner: boolean;
  verbose: boolean;
  cells: SharedCells;
  limiter: BandwidthLimiter | undefined;
  /** a reused read buffer */
  buffer: Buffer;
  /**
   * a second one, of the same size, where writes return before the bytes land (a
   * destination across the data plane): a copy reads the next block into one while the
   * other's bytes are still being sent
   */
  spare?: Buffer;
  /** the reused buffer of small-file batches, made on first use */
  batchBuffer?: Buffer;
  readHash: Hasher;
  /**
   * a scan copies the small files it finds itself, in the same thread, instead of
   * handing each back to be batched: no message per file (barge sync's worker threads)
   */
  copyInScan?: boolean;
  /**
   * a scan's own copies that fail for a reason a retry may help go back with the copies
   * it hands on, to run again as a copy task of their own: a service retries tasks (with
   * back-off and a limit), and a scan run again would list and plan its directory twice
   */
  handBackRetryable?: boolean;
  /** report the hash of each file written (TaskResult.hashes) */
  recordHashes?: boolean;
  /**
   * how messages name the two roots: a service request's "ENDPOINT:/path", as its user
   * gave them, never where they are on an agent's host (undefined: the storages' roots)
   */
  names?: { src: string; dst: string };
}

/** the source's or destination's root as messages name it */
export function rootName(ctx: RunContext, side: 'src' | 'dst'): string {
  return ctx.names?.[side] ?? ctx[side].root;
}

export function isAborted(ctx: RunContext): boolean {
  return Atomics.load(ctx.cells.flags, CELL_ABORT) !== 0;
}

/** stop the run's tasks: set the abort cell and wake the threads --bwlimit has asleep on it */
export function raiseAbort(flags: Int32Array): void {
  Atomics.store(flags, CELL_ABORT, 1);
  Atomics.notify(flags, CELL_ABORT);
}

/** waits for --bwlimit's budget for `bytes`; an interrupt during the wait ends the task */
export function throttle(ctx: RunContext, bytes: number, rel: string): void {
  if (ctx.limiter && !ctx.limiter.acquire(bytes)) throw new BargeError('E_INTERRUPTED', 'interrupted', { path: rel });
}
