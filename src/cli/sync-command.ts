// `barge sync SRC DST`: checks the roots, starts the worker threads, runs the sync with
// progress and prints what happened. Returns the exit code.
import * as fs from 'node:fs';
import { BargeError } from '../core/errors.js';
import type { SyncOptions } from '../core/sync-options.js';
import { BandwidthLimiter } from '../engine/bandwidth-limiter.js';
import { CELL_ABORT, CELL_BYTES, sharedCells } from '../engine/run-context.js';
import { SyncRun } from '../engine/sync-run.js';
import { HybridExecutor } from '../engine/hybrid-executor.js';
import { WorkerPool } from '../engine/worker-pool.js';
import { PosixStorage } from '../storage/posix/posix-storage.js';
import { checkRoots } from './check-roots.js';
import { createLogger } from './logger.js';
import { actionLine, errorLine, summaryJson, summaryText, type Summary } from './sync-report.js';
import { buildRunContext, type SyncWorkerData } from './sync-context.js';

export interface OutputFlags {
  verbose: boolean;
  quiet: boolean;
  json: boolean;
  logFormat: 'human' | 'json';
  progress: boolean | undefined;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

export async function syncCommand(srcArg: string, dstArg: string, opts: SyncOptions, out: OutputFlags): Promise<number> {
  const roots = checkRoots(srcArg, dstArg);
  const log = await createLogger(out.logFormat, out.quiet);
  const started = process.hrtime.bigint();
  if (!roots.dstExists && !opts.dryRun) {
    // the parents get the usual permissions; DST itself gets SRC's mode in the last pass
    try { fs.mkdirSync(roots.dst, { recursive: true }); } catch (e) {
      throw new BargeError('E_BAD_INPUT', `cannot create destination '${dstArg}': ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const srcRoot = await new PosixStorage(roots.src).stat('');
  const dstRoot = roots.dstExists || !opts.dryRun ? await new PosixStorage(roots.dst).stat('') : undefined;
  if (!srcRoot) throw new BargeError('E_BAD_INPUT', `source '${srcArg}' vanished`);

  const cells = sharedCells();
  const showActions = out.verbose || opts.dryRun;
  const data: SyncWorkerData = {
    srcRoot: roots.src, dstRoot: roots.dst, opts, nowNs: BigInt(Date.now()) * 1_000_000n, verbose: showActions,
    memory: cells.memory, limiterMemory: BandwidthLimiter.sharedMemory(),
    corruptOnce: (process.env.BARGE_TEST_CORRUPT_ONCE ?? '').split('\n').filter((s) => s !== ''),
    corruptAlways: (process.env.BARGE_TEST_CORRUPT_ALWAYS ?? '').split('\n').filter((s) => s !== ''),
  };
  const pool = new HybridExecutor(buildRunContext(data), new WorkerPool(new URL('./sync-worker.js', import.meta.url), data, opts.transfers));
  const actionsTo = out.json ? process.stderr : process.stdout;
  const run = new SyncRun(pool, opts, {
    onEvent: (e) => { if (showActions) actionsTo.write(actionLine(e) + '\n'); },
    onError: (e) => log.error(e),
    onNotice: (t) => log.notice(t),
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
    Atomics.store(cells.flags, CELL_ABORT, 1);
    run.interrupt();
    log.notice('interrupted: abandoning the files in flight and removing their temporary files (press ^C again to leave at once)');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  progress?.start();
  let outcome;
  try {
    outcome = await run.run({ kind: 'scan', rel: '', src: srcRoot, dst: dstRoot, dstExists: dstRoot !== undefined, insideListedDir: false });
  } finally {
    progress?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await pool.close();
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const summary: Summary = {
    status: outcome.interrupted ? 'interrupted' : outcome.counters.failed > 0 ? 'failed' : 'ok',
    dryRun: opts.dryRun, source: roots.src, destination: roots.dst, seconds,
    counters: outcome.counters, bytesPerSecond: outcome.counters.bytesCopied / Math.max(seconds, 1e-6),
    errors: outcome.errors, deleteSkipped: outcome.deleteSkipped,
  };
  if (outcome.deleteSkipped) log.notice(`delete pass skipped: ${outcome.deleteSkipped}`);
  if (out.json) process.stdout.write(summaryJson(summary) + '\n');
  else log.summary(summaryText(summary), { ...summary.counters, status: summary.status, seconds, errors: summary.errors.length });
  if (outcome.errors.length > 0 && !out.quiet && out.logFormat === 'human' && !out.json) {
    process.stderr.write(`barge: ${outcome.errors.length} file(s) failed:\n`);
    for (const e of outcome.errors.slice(0, 50)) process.stderr.write(`  ${errorLine(e).slice('barge: '.length)}\n`);
    if (outcome.errors.length > 50) process.stderr.write(`  ... and ${outcome.errors.length - 50} more (see the lines above, or --json)\n`);
  }
  return outcome.interrupted ? EXIT_INTERRUPTED : outcome.counters.failed > 0 ? EXIT_FAILED : EXIT_OK;
}
