// Builds the RunContext of a task thread from plain data, for `barge sync` (its main
// thread and each worker) and for an agent's jobs alike: this is where the storages are
// opened (by their kind, through the registry; or an agent reached over the data plane)
// and wired to the engine, and where test set-up's write faults are put around the
// destination.
import { PathFilter } from '../core/filter.js';
import type { SyncOptions } from '../core/sync-options.js';
import { BandwidthLimiter } from '../engine/bandwidth-limiter.js';
import { createHasher } from '../engine/hasher.js';
import { CELL_ABORT, sharedCells, type RunContext } from '../engine/run-context.js';
import { testHooks } from '../config/test-hooks.js';
import { FaultyStorage } from '../storage/faulty-storage.js';
import { pairFeatures } from '../storage/pair-features.js';
import { openStorage, type EndpointDescription } from '../storage/registry.js';
import type { Storage, StorageFeatures } from '../storage/storage.js';
import type { RemoteStorage, RemoteTarget } from '../transport/remote-storage.js';
import type { DataConnection } from '../transport/data-connection.js';

export interface SyncWorkerData {
  src: EndpointDescription;
  /** undefined with remoteDst */
  dst: EndpointDescription | undefined;
  /** a barge:// destination, or a push to another agent: DST is an agent, reached over the data plane */
  remoteDst?: { target: RemoteTarget; features: StorageFeatures };
  opts: SyncOptions;
  nowNs: bigint;
  verbose: boolean;
  memory: { flags: SharedArrayBuffer; counters: SharedArrayBuffer };
  limiterMemory: SharedArrayBuffer;
}

/** 256 KiB: read, hash and write while the block is still in the CPU cache (measured
 * faster than 64 KiB, 1 MiB and 4 MiB for 1 GiB files here) */
const READ_BUFFER = 256 * 1024;
/** across the data plane each block is a frame with its own costs at both ends: fewer, larger ones */
const NETWORK_BUFFER = 1024 * 1024;

/** The data plane's storage, passed in by a caller with a barge:// destination: only such
 * a caller loads the transport modules (net, tls, crypto), ~40 ms of every thread's start. */
export type RemoteStorageClass = typeof RemoteStorage;

/** loads the data plane's storage when `data` has a barge:// destination, for buildRunContext */
export async function remoteStorageFor(data: SyncWorkerData): Promise<RemoteStorageClass | undefined> {
  return data.remoteDst ? (await import('../transport/remote-storage.js')).RemoteStorage : undefined;
}

/** what a sync thread is told before its data: connect to this agent now (sync-thread.ts) */
export interface EarlyConnect {
  connect: RemoteTarget;
}

/** a sending thread's storage connects now; `early`: the connection it began before its data came */
export interface ConnectNow {
  connectNow: RemoteStorageClass;
  early?: Promise<DataConnection>;
}

/**
 * `remote` with a barge:// destination: `existing`, the storage the command already holds
 * (its connection made, its handshake done), else a new one of the class; `connectNow`: its
 * first connection opens now (a sending thread, before its first task).
 */
export function buildRunContext(data: SyncWorkerData, remote?: RemoteStorageClass | { existing: RemoteStorage } | ConnectNow): RunContext {
  const src = openStorage(data.src);
  if (data.remoteDst && !remote) throw new Error('buildRunContext: a barge:// destination needs the RemoteStorage class');
  if (!data.remoteDst && !data.dst) throw new Error('buildRunContext: no destination');
  const dst = withWriteFaults(data.remoteDst && remote ? remoteDestination(data.remoteDst, remote) : openStorage(data.dst as EndpointDescription), data.remoteDst !== undefined);
  const pair = pairFeatures(src.features, dst.features);
  const cells = sharedCells(data.memory);
  return {
    src, dst,
    // a destination that keeps no holes writes every byte (--sparse is a wish, not a need)
    opts: pair.sparse || !data.opts.sparse ? data.opts : { ...data.opts, sparse: false },
    filter: new PathFilter(data.opts.filter, data.nowNs),
    resolutionNs: pair.mtimeResolutionNs,
    pair,
    owner: data.opts.preserveOwner && dst.features.owner,
    verbose: data.verbose,
    cells,
    limiter: data.opts.bwlimit === undefined ? undefined : new BandwidthLimiter(data.opts.bwlimit, data.limiterMemory, cells.flags, CELL_ABORT),
    buffer: Buffer.allocUnsafe(data.remoteDst ? NETWORK_BUFFER : READ_BUFFER),
    ...(data.remoteDst ? { spare: Buffer.allocUnsafe(NETWORK_BUFFER) } : {}),
    readHash: createHasher(data.opts.hash),
  };
}

function remoteDestination(d: NonNullable<SyncWorkerData['remoteDst']>, remote: RemoteStorageClass | { existing: RemoteStorage } | ConnectNow): RemoteStorage {
  if ('existing' in remote) return remote.existing;
  if ('connectNow' in remote) {
    const s = new remote.connectNow(d.target, d.features);
    s.warm(remote.early);
    return s;
  }
  return new remote(d.target, d.features);
}

/** the destination as test set-up's hooks would have it: bytes flipped on their way to chosen paths */
function withWriteFaults(dst: Storage, remote: boolean): Storage {
  const h = testHooks();
  if (!h) return dst;
  const once = remote ? [...h.corruptOnce, ...h.wireCorruptOnce] : h.corruptOnce;
  return once.length + h.corruptAlways.length === 0 ? dst : new FaultyStorage(dst, { once, always: h.corruptAlways });
}

/** closes what the context holds open (connections to an agent) */
export function releaseRunContext(ctx: RunContext): void {
  const dst = (ctx.dst instanceof FaultyStorage ? ctx.dst.inner : ctx.dst) as Partial<Pick<RemoteStorage, 'close'>>;
  if (typeof dst.close === 'function') dst.close();
}
