// The engine's counters and their columns, both ways.
import { emptyCounters, type Counters } from '../core/counters.js';
import type { CounterColumns } from './schema.js';

/** the counters a request keeps: xattrsNotCarried is for barge sync's summary only (a request's view has no column for it) */
type StoredCounter = Exclude<keyof Counters, 'xattrsNotCarried'>;

export const COUNTER_COLUMNS: Record<StoredCounter, keyof CounterColumns> = {
  filesFound: 'files_found', bytesFound: 'bytes_found', dirsFound: 'dirs_found', filesToCopy: 'files_to_copy',
  bytesToCopy: 'bytes_to_copy', filesCopied: 'files_copied', bytesCopied: 'bytes_copied', bytesResumed: 'bytes_resumed',
  filesUpToDate: 'files_up_to_date', metaUpdated: 'meta_updated', dirsCreated: 'dirs_created', symlinksMade: 'symlinks_made',
  hardlinksMade: 'hardlinks_made', deleted: 'deleted', specialsSkipped: 'specials_skipped', failed: 'failed',
};

export function countersOf(row: CounterColumns): Counters {
  const c = emptyCounters();
  for (const k of Object.keys(COUNTER_COLUMNS) as StoredCounter[]) c[k] = Number(row[COUNTER_COLUMNS[k]]);
  return c;
}

/** the non-zero entries of a delta, as column names */
export function counterDelta(delta: Partial<Counters>): [keyof CounterColumns, number][] {
  const out: [keyof CounterColumns, number][] = [];
  for (const k of Object.keys(delta) as (keyof Counters)[]) {
    const v = delta[k];
    if (k !== 'xattrsNotCarried' && v !== undefined && v !== 0) out.push([COUNTER_COLUMNS[k], v]);
  }
  return out;
}

/** every counter column at zero: a new request, or one reset for a retry */
export function zeroCounterColumns(): CounterColumns {
  const z = {} as Record<keyof CounterColumns, number>;
  for (const col of Object.values(COUNTER_COLUMNS)) z[col] = 0;
  return z;
}
