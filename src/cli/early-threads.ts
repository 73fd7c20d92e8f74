// The copying threads that main.ts starts for `barge sync` before the command line is
// parsed, and that the sync's pool takes. Kept apart from sync-command.ts so that main.ts
// loads nothing else before it starts them.
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { EarlyThreads } from '../engine/worker-pool.js';

export const SYNC_WORKER = new URL('../agent/sync-thread.js', import.meta.url);

/** at most this many: a run that turns out small needs none, and each costs ~110 ms of CPU */
const MAX_EARLY = 3;

let early: EarlyThreads | undefined;

/** one core is left to this thread, which loads the command line meanwhile */
export function startSyncThreadsEarly(): void {
  early ??= new EarlyThreads(SYNC_WORKER, Math.min(MAX_EARLY, availableParallelism() - 1));
}

/** up to `count` of the early threads (none when none were started); the rest are stopped */
export function takeSyncThreads(count: number): Worker[] {
  const taken = early?.take(count) ?? [];
  early = undefined;
  return taken;
}
