// The copying threads that main.ts starts for `barge sync` before the command line is
// parsed, and that the sync's pool takes. Kept apart from sync-command.ts so that main.ts
// loads nothing else before it starts them.
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { EarlyThreads } from '../engine/worker-pool.js';
import type { RemoteTarget } from '../transport/remote-storage.js';
import type { EarlyConnect } from '../agent/build-run-context.js';

export const SYNC_WORKER = new URL('../agent/sync-thread.js', import.meta.url);

/** at most this many: a run that turns out small needs none, and each costs ~110 ms of CPU */
const MAX_EARLY = 3;
/**
 * For a barge:// destination: its sending threads wait on the network far more than they
 * compute, so they are not counted against the cores; the rest of the --streams start when
 * the destination is known (connectSyncThreadsEarly). Two here: four at once slowed this
 * thread's own start on 2 cores, and a 2 GiB push over 50 ms took 18.65-18.75 s against
 * 18.5-18.6 s.
 */
const REMOTE_EARLY = 2;

let early: EarlyThreads | undefined;

/**
 * One core is left to this thread, which loads the command line meanwhile; a push to an
 * agent starts its streams' threads, no more than the --streams the command line asks for
 * (a thread started and not taken costs ~0.25 s of CPU, a tenth of a 4 GiB push's sender).
 */
export function startSyncThreadsEarly(argv: readonly string[]): void {
  const remote = argv.some((a) => a.startsWith('barge://'));
  early ??= new EarlyThreads(SYNC_WORKER, remote ? Math.min(REMOTE_EARLY, streamsAsked(argv) ?? REMOTE_EARLY) : Math.min(MAX_EARLY, availableParallelism() - 1));
}

/** the value of --streams N or --streams=N when it is a whole number; the command line's own parse reports a bad one */
export function streamsAsked(argv: readonly string[]): number | undefined {
  let text: string | undefined;
  for (let i = 0; i < argv.length && argv[i] !== '--'; i++) {
    const a = argv[i] as string;
    if (a === '--streams') text = argv[++i];
    else if (a.startsWith('--streams=')) text = a.slice('--streams='.length);
  }
  return text !== undefined && /^[1-9][0-9]*$/.test(text) ? Number(text) : undefined;
}

/**
 * A barge:// destination: `count` threads in all, each told now to connect to the agent,
 * so that their handshakes (three round trips) overlap the main thread's check of the
 * destination instead of following it.
 */
export function connectSyncThreadsEarly(count: number, connect: RemoteTarget): void {
  early ??= new EarlyThreads(SYNC_WORKER, 0);
  early.grow(count);
  early.post({ connect } satisfies EarlyConnect);
}

/** up to `count` of the early threads (none when none were started); the rest are stopped */
export function takeSyncThreads(count: number): Worker[] {
  const taken = early?.take(count) ?? [];
  early = undefined;
  return taken;
}
