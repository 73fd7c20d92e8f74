// Worker-thread entry of `barge sync`: wires the posix storage to the task runner.
// Kept in cli because only cli picks concrete engines.
import { parentPort, workerData } from 'node:worker_threads';
import { PathFilter } from '../core/filter.js';
import type { SyncOptions } from '../core/sync-options.js';
import { BandwidthLimiter } from '../engine/bandwidth-limiter.js';
import { createHasher } from '../engine/hasher.js';
import { sharedCells, type RunContext } from '../engine/run-context.js';
import { runTask } from '../engine/task-runner.js';
import type { Task } from '../engine/task-types.js';
import { PosixStorage } from '../storage/posix/posix-storage.js';

export interface SyncWorkerData {
  srcRoot: string;
  dstRoot: string;
  opts: SyncOptions;
  nowNs: bigint;
  verbose: boolean;
  memory: { flags: SharedArrayBuffer; counters: SharedArrayBuffer };
  limiterMemory: SharedArrayBuffer;
  corruptOnce: string[];
  corruptAlways: string[];
}

const READ_BUFFER = 1024 * 1024;

const data = workerData as SyncWorkerData;
const src = new PosixStorage(data.srcRoot);
const dst = new PosixStorage(data.dstRoot);
const ctx: RunContext = {
  src, dst,
  opts: data.opts,
  filter: new PathFilter(data.opts.filter, data.nowNs),
  resolutionNs: src.features.mtimeResolutionNs > dst.features.mtimeResolutionNs ? src.features.mtimeResolutionNs : dst.features.mtimeResolutionNs,
  owner: data.opts.preserveOwner && dst.features.owner,
  verbose: data.verbose,
  cells: sharedCells(data.memory),
  limiter: data.opts.bwlimit === undefined ? undefined : new BandwidthLimiter(data.opts.bwlimit, data.limiterMemory),
  buffer: Buffer.allocUnsafe(READ_BUFFER),
  readHash: createHasher(data.opts.hash),
  writeHash: createHasher(data.opts.hash),
  corruptOnce: new Set(data.corruptOnce),
  corruptAlways: new Set(data.corruptAlways),
};

const port = parentPort;
if (!port) throw new Error('sync-worker must run as a worker thread');
port.on('message', (task: Task) => {
  runTask(ctx, task).then((r) => port.postMessage(r), (e: unknown) => { throw e; });
});
