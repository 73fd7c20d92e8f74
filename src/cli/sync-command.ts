// `barge sync SRC DST`: checks the roots, starts the worker threads, runs the sync with
// progress and prints what happened. Returns the exit code.
import { rootSwapWarning } from '../storage/posix/root-ancestors.js';
import { makeDirs } from '../storage/posix/make-dirs.js';
import { BargeError, ERROR_CODES } from '../core/errors.js';
import type { SyncOptions } from '../core/sync-options.js';
import { BandwidthLimiter } from '../engine/bandwidth-limiter.js';
import { CELL_BYTES, raiseAbort, sharedCells } from '../engine/run-context.js';
import { SyncRun } from '../engine/sync-run.js';
import { HybridExecutor } from '../engine/hybrid-executor.js';
import { WorkerPool } from '../engine/worker-pool.js';
import { connectSyncThreadsEarly, SYNC_WORKER, takeSyncThreads } from './early-threads.js';
import { posixEndpoint } from '../storage/posix/posix-kind.js';
import { PosixStorage } from '../storage/posix/posix-storage.js';
import type { Entry } from '../core/entry.js';
import { checkRoots, checkSource } from './check-roots.js';
import { isBargeUrl } from './barge-url.js';
import type { RemoteDestination } from './remote-destination.js';
import { createLogger } from './logger.js';
import { actionLine, errorLine, summaryJson, summaryText, type Summary } from './sync-report.js';
import { counted } from '../core/units.js';
import { escapePath } from './escape-path.js';
import { buildRunContext, releaseRunContext, type SyncWorkerData } from '../agent/build-run-context.js';

export interface OutputFlags {
  verbose: boolean;
  quiet: boolean;
  json: boolean;
  logFormat: 'human' | 'json';
  progress: boolean | undefined;
}

export interface RemoteFlags {
  tokenFile?: string;
  tls?: boolean;
  tlsCa?: string;
}

export const EXIT_OK = 0;
/** some files failed, whatever their codes */
export const EXIT_FAILED = 1;
export const EXIT_USAGE = ERROR_CODES.E_USAGE.exitCode;
export const EXIT_INTERRUPTED = ERROR_CODES.E_INTERRUPTED.exitCode;

interface Destination {
  root: string;
  entry: Entry | undefined;
  /** this run made the root just now: it holds nothing, and is not listed (over a long link, a round trip) */
  made: boolean;
  remote?: RemoteDestination;
}

async function localDestination(srcArg: string, dstArg: string, opts: SyncOptions): Promise<{ src: string; dst: Destination }> {
  const roots = checkRoots(srcArg, dstArg);
  if (!roots.dstExists && !opts.dryRun) {
    // the parents get the usual permissions; DST itself gets SRC's mode in the last pass
    try { makeDirs(roots.dst); } catch (e) {
      throw new BargeError('E_BAD_INPUT', `cannot create destination '${dstArg}': ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const entry = roots.dstExists || !opts.dryRun ? await new PosixStorage(roots.dst).stat('') : undefined;
  return { src: roots.src, dst: { root: roots.dst, entry, made: !roots.dstExists && !opts.dryRun } };
}

export async function syncCommand(srcArg: string, dstArg: string, opts: SyncOptions, out: OutputFlags, remoteFlags: RemoteFlags = {}): Promise<number> {
  if (isBargeUrl(srcArg)) throw new BargeError('E_USAGE', `a barge:// source is not supported yet: run barge sync on the agent's host and push from there`);
  const log = await createLogger(out.logFormat, out.quiet);
  const started = process.hrtime.bigint();
  let srcPath: string;
  let dst: Destination;
  if (isBargeUrl(dstArg)) {
    // the data plane's modules (net, tls, crypto) load only for a barge:// destination
    const { openRemoteDestination, readToken, remoteTarget, tlsChoice } = await import('./remote-destination.js');
    const token = readToken(remoteFlags.tokenFile);
    srcPath = checkSource(srcArg);
    const target = remoteTarget(dstArg, opts, token, tlsChoice(remoteFlags));
    // every sending thread starts now and connects while this thread checks the destination:
    // over a long link their handshakes then overlap that check rather than follow it
    if (!opts.dryRun) connectSyncThreadsEarly(opts.chunksPerFile, target);
    const remote = await openRemoteDestination(dstArg, target, opts);
    dst = { root: remote.storage.root, entry: remote.root, made: remote.made, remote };
  } else {
    ({ src: srcPath, dst } = await localDestination(srcArg, dstArg, opts));
    const loose = rootSwapWarning('DST', dst.root);
    if (loose !== undefined) log.notice(loose);
  }
  const looseSrc = rootSwapWarning('SRC', srcPath);
  if (looseSrc !== undefined) log.notice(looseSrc);
  const srcRoot = await new PosixStorage(srcPath).stat('');
  const dstRoot = dst.entry;
  if (!srcRoot) throw new BargeError('E_BAD_INPUT', `source '${srcArg}' vanished`);

  const cells = sharedCells();
  const showActions = (out.verbose || opts.dryRun) && !out.quiet;
  const data: SyncWorkerData = {
    src: posixEndpoint(srcPath), dst: dst.remote ? undefined : posixEndpoint(dst.root), opts, nowNs: BigInt(Date.now()) * 1_000_000n, verbose: showActions,
    memory: cells.memory, limiterMemory: BandwidthLimiter.sharedMemory(),
    ...(dst.remote ? { remoteDst: { target: dst.remote.target, features: dst.remote.storage.features } } : {}),
  };
  // each sending thread holds its own connection to the agent: --streams of them
  const threads = dst.remote ? opts.chunksPerFile : opts.transfers;
  // the main thread's scans use the connection that checked the destination (its handshake done)
  const mainCtx = buildRunContext(data, dst.remote ? { existing: dst.remote.storage } : undefined);
  const pool = new HybridExecutor(mainCtx, new WorkerPool(SYNC_WORKER, data, threads, { announcesReady: true, early: takeSyncThreads(threads) }));
  const actionsTo = out.json ? process.stderr : process.stdout;
  const run = new SyncRun(pool, opts, {
    onEvent: (e) => { if (showActions) actionsTo.write(actionLine(e) + '\n'); },
    onError: (e) => log.error(e),
    onNotice: (t) => log.notice(t),
    // rsync's words ("skipping non-regular file"), with the kind; -q silences it, the summary counts it
    onSpecialSkipped: (rel, type) => log.notice(`skipping non-regular file ${escapePath(rel)} (${type})`),
  });
  const showProgress = out.progress ?? (process.stderr.isTTY && !out.quiet && !out.verbose && out.logFormat === 'human');
  const { ProgressLine } = showProgress ? await import('./progress-line.js') : { ProgressLine: undefined };
  const progress = ProgressLine ? new ProgressLine({
    counters: () => run.counters,
    liveBytes: () => Number(Atomics.load(cells.counters, CELL_BYTES)),
    walkDone: () => run.walkDone,
  }, opts.dryRun) : undefined;

  let signals = 0;
  const onSignal = (): void => {
    signals++;
    if (signals > 1) process.exit(EXIT_INTERRUPTED); // a second ^C: leave now; the next run cleans up
    raiseAbort(cells.flags);
    run.interrupt();
    log.notice('interrupted: abandoning the files in flight and removing their temporary files (press ^C again to leave at once)');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  progress?.start();
  let outcome;
  try {
    const running = run.run({ kind: 'scan', rel: '', src: srcRoot, dst: dstRoot, dstExists: dstRoot !== undefined && !dst.made, insideListedDir: false });
    // a destination that does not exist yet will take every file: boot the threads now,
    // while this thread lists the first directories (a no-op run never pays for them); a
    // barge:// one too, so that each sending thread's handshake overlaps the walk's start
    if ((dstRoot === undefined || dst.remote !== undefined) && !opts.dryRun) pool.warm();
    outcome = await running;
  } finally {
    progress?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await pool.close();
    releaseRunContext(mainCtx);
    dst.remote?.storage.close();
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const summary: Summary = {
    status: outcome.interrupted ? 'interrupted' : outcome.counters.failed > 0 ? 'failed' : 'ok',
    dryRun: opts.dryRun, source: srcPath, destination: dst.root, seconds,
    counters: outcome.counters, bytesPerSecond: outcome.counters.bytesCopied / Math.max(seconds, 1e-6),
    errors: outcome.errors, deleteSkipped: outcome.deleteSkipped, deletesSkipped: outcome.deletesSkipped,
  };
  if (outcome.deleteSkipped) log.notice(`delete pass skipped: ${outcome.deleteSkipped}`);
  if (out.json) process.stdout.write(summaryJson(summary) + '\n');
  else log.summary(summaryText(summary), { ...summary.counters, status: summary.status, seconds, errors: summary.errors.length });
  if (outcome.errors.length > 0 && !out.quiet && out.logFormat === 'human' && !out.json) {
    process.stderr.write(`barge: ${counted(outcome.errors.length, 'error')}:\n`);
    for (const e of outcome.errors.slice(0, 50)) process.stderr.write(`  ${errorLine(e).slice('barge: '.length)}\n`);
    if (outcome.errors.length > 50) process.stderr.write(`  ... and ${outcome.errors.length - 50} more (see the lines above, or --json)\n`);
  }
  return outcome.interrupted ? EXIT_INTERRUPTED : outcome.counters.failed > 0 ? EXIT_FAILED : EXIT_OK;
}
