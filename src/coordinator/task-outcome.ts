// What a finished task changes in the database: counters, the tasks it leads to, errors
// kept for good, the manifest, and a retry of what failed for a reason that may pass.
import { chunkTasks, prepareOutcome, finalizeTask, takesChunks } from '../core/chunk-plan.js';
import { copyBatches as cutBatches } from '../core/copy-batches.js';
import { deleteTasks, replaceItems } from '../core/delete-gate.js';
import { dirMetaDepth } from '../core/dir-meta-order.js';
import type { ErrorRecord } from '../core/errors.js';
import { stringifyWithBigints } from '../core/json-bigint.js';
import { HELD_UNTIL_STAGED } from '../core/request-states.js';
import type { SyncOptions } from '../core/sync-options.js';
import { combineChunkHashes } from '../engine/hasher.js';
import { bytesCopiedBy } from '../engine/task-result.js';
import type { FileItem, ScanGroupTask, ScanTask, TaskResult } from '../core/task-types.js';
import { addCounters, emptyCounters } from '../core/counters.js';
import { scanGroups } from '../core/scan-groups.js';
import type { Completion, FileError, ManifestEntry, NewTask } from '../state/state-store.js';
import type { RetryConfig } from '../config/service-config.js';
import { PHASE_DELETE, PHASE_RESCAN, PHASE_TRANSFER } from './phases.js';
import { encodeTask, sizeOf, type DeleteMarker, type ReportedMarker, type ServiceTask } from './service-task.js';

export interface OutcomeInput {
  task: ServiceTask & DeleteMarker;
  phase: number;
  attempts: number;
  result: TaskResult;
  opts: SyncOptions;
  retry: RetryConfig;
  now: number;
  random?: () => number;
  /** the source is an archive: the copies a scan finds wait, held, until the stager has their files in the buffer */
  holdForStaging?: boolean;
}

/** exponential back-off with full jitter, capped */
export function backoffMs(attempt: number, r: RetryConfig, random: () => number = Math.random): number {
  const ceiling = Math.min(r.maxDelayMs, r.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

function fileError(e: ErrorRecord, fallback: string): FileError {
  return { path: e.path ?? fallback, code: e.code, message: e.message };
}

/** smaller than `barge sync`'s batches: each one is a row, a message to a worker and a
 * report, and the coordinator's memory holds the few in flight (measured: 1,000-file
 * batches lifted its peak RSS by ~60 MiB at 1,000,000 files); leases are cheap enough */
const BATCH_MAX_FILES = 256;
const BATCH_MAX_BYTES = 64 * 1024 * 1024;

function copyBatches(files: FileItem[], phase: number): NewTask[] {
  return cutBatches(files, { maxFiles: BATCH_MAX_FILES, maxBytes: BATCH_MAX_BYTES }).map((batch) => encodeTask({ kind: 'copy', files: batch }, phase));
}

/** `descend`: where the directories to scan next go (queued by the caller, in groups) */
function afterScan(i: OutcomeInput, c: Completion, tasks: NewTask[], descend: ScanTask[]): void {
  const r = i.result;
  const phase = i.phase;
  descend.push(...(r.descend ?? []));
  const small: FileItem[] = [];
  const held: NewTask[] = [];
  const copiesFrom = tasks.length;
  let bytesToCopy = 0;
  for (const f of r.copies ?? []) {
    bytesToCopy += f.src.size;
    if (takesChunks(f, i.opts.chunkCutoff)) tasks.push(encodeTask({ kind: 'prepare', file: f }, phase));
    else small.push(f);
  }
  c.counters = { ...c.counters, filesToCopy: (c.counters?.filesToCopy ?? 0) + (r.copies?.length ?? 0), bytesToCopy: (c.counters?.bytesToCopy ?? 0) + bytesToCopy };
  if (i.holdForStaging) {
    // one held task a file, the prepare of a large one included: the stager starts each once
    // its file is staged, and batches small ones as they land (coordinator/staging/)
    for (const t of tasks.splice(copiesFrom)) held.push({ ...t, notBefore: HELD_UNTIL_STAGED });
    for (const f of small) held.push({ ...encodeTask({ kind: 'copy', files: [f] }, phase), notBefore: HELD_UNTIL_STAGED });
    tasks.push(...held);
  } else tasks.push(...copyBatches(small, phase));
  const deletes = r.deletes ?? [];
  const deletePhase = Math.max(phase, PHASE_DELETE);
  for (const t of deleteTasks(deletes, false)) tasks.push(encodeTask(t, deletePhase));
  if (r.deferredReplaces && r.deferredReplaces.length > 0) {
    const marker: DeleteMarker = { deferred: true };
    tasks.push(encodeTask({ kind: 'delete', items: replaceItems(r.deferredReplaces), countOnly: false, ...marker }, deletePhase));
    if (r.rescan) tasks.push(encodeTask(r.rescan, Math.max(phase, PHASE_RESCAN)));
  }
  if (r.dirMeta) c.dirMeta = [{ path: r.dirMeta.rel, depth: dirMetaDepth(r.dirMeta.rel), payload: stringifyWithBigints(r.dirMeta) }];
}

function afterPrepare(i: OutcomeInput, tasks: NewTask[]): void {
  if (i.task.kind !== 'prepare' || prepareOutcome(i.result) !== 'chunks') return;
  for (const t of chunkTasks(i.task.file, i.opts.chunkSize, new Map(i.result.recorded ?? []), i.result.partialOwner)) {
    tasks.push(encodeTask(t, i.phase, { groupKey: i.task.file.rel }));
  }
}

function manifestOf(i: OutcomeInput): ManifestEntry[] {
  const out: ManifestEntry[] = [];
  const t = i.task;
  if (t.kind === 'copy') {
    const byRel = new Map(t.files.map((f) => [f.rel, f]));
    for (const [rel, hash] of i.result.hashes ?? []) {
      const f = byRel.get(rel);
      if (f) out.push({ path: rel, size: f.src.size, mtimeNs: f.src.mtimeNs.toString(), hash: `${i.opts.hash}:${hash}` });
    }
  } else if (t.kind === 'scan' && i.result.copiedHere) {
    const hashes = new Map(i.result.hashes ?? []);
    for (const [rel, size, mtimeNs] of i.result.copiedHere) {
      const hash = hashes.get(rel);
      if (hash !== undefined) out.push({ path: rel, size, mtimeNs, hash: `${i.opts.hash}:${hash}` });
    }
  } else if (t.kind === 'finalize' && (i.result.landed ?? []).length > 0) {
    out.push({ path: t.file.rel, size: t.file.src.size, mtimeNs: t.file.src.mtimeNs.toString(), hash: `${i.opts.hash}:${combineChunkHashes(i.opts.hash, t.chunkHashes)}` });
  }
  return out;
}

/** the part of the task to run again: its failed files (copy), or the whole task */
function retryPart(i: OutcomeInput, retryable: ErrorRecord[]): ServiceTask | undefined {
  const t = i.task;
  if (t.kind === 'copy') {
    const again = new Set(retryable.map((e) => e.path));
    const files = t.files.filter((f) => again.has(f.rel));
    return files.length > 0 ? { kind: 'copy', files } : undefined;
  }
  if (t.kind === 'delete' || t.kind === 'dirmeta' || t.kind === 'link') return undefined; // per-entry work: the rest is done
  if (t.kind === 'scan') return scanAgain(t, retryable, i.attempts);
  if (t.kind === 'scans') return { kind: 'scans', dirs: t.dirs.map((d) => reported(d, i.attempts)) };
  return t;
}

/**
 * A scan that listed its directory and failed on some of its entries looks again at those
 * entries only: what it queued (subdirectories, copies) and counted is in the database
 * already, and a whole second run would queue it all again. A scan that could not list its
 * directory (the error names the directory itself) runs again whole.
 */
function scanAgain(t: ScanTask, retryable: ErrorRecord[], attempts: number): ScanTask & ReportedMarker {
  const names = entriesNamed(t.rel, retryable);
  return names === undefined ? reported(t, attempts) : { ...reported(t, attempts), only: names };
}

/** the names of the directory's entries the errors are about; undefined when one is about anything else */
function entriesNamed(dir: string, errors: ErrorRecord[]): string[] | undefined {
  const prefix = dir === '' ? '' : `${dir}/`;
  const names = new Set<string>();
  for (const e of errors) {
    const path = e.path ?? '';
    const name = path.startsWith(prefix) ? path.slice(prefix.length) : '';
    if (name === '' || name.includes('/')) return undefined;
    names.add(name);
  }
  return [...names];
}

/** what this attempt copied is recorded: the next one trusts the quick check again */
function reported(t: ScanTask, attempts: number): ScanTask & ReportedMarker {
  const scan: ScanTask & ReportedMarker = { ...t, reportedAttempt: attempts };
  delete scan.copyAgain;
  return scan;
}

/**
 * A group's directories each as the scan of its own task (counters, copies, manifest,
 * errors, a retry of only those that failed for a reason that may pass); the directories
 * they found are grouped afresh, across the group. Without a result per directory (the
 * runner failed as a whole) the group is one task like any other.
 */
function groupOutcome(i: OutcomeInput, t: ScanGroupTask): Outcome | undefined {
  const scans = i.result.scans;
  if (scans === undefined || scans.length !== t.dirs.length) return undefined;
  const counters = emptyCounters();
  const c: Completion = { counters, errors: [], tasks: [], manifest: [], dirMeta: [] };
  const descend: ScanTask[] = [];
  const again: ScanTask[] = [];
  t.dirs.forEach((d, k) => {
    const m = outcome({ ...i, task: d, result: scans[k] as TaskResult }, descend);
    addCounters(counters, m.c.counters ?? {});
    c.errors?.push(...(m.c.errors ?? []));
    c.tasks?.push(...(m.c.tasks ?? []));
    c.manifest?.push(...(m.c.manifest ?? []));
    c.dirMeta?.push(...(m.c.dirMeta ?? []));
    if (m.again?.kind === 'scan') again.push(m.again);
  });
  c.tasks?.unshift(...scanGroups(descend).map((g) => encodeTask(g, i.phase)));
  const rest: ServiceTask | undefined = again.length === 0 ? undefined : again.length === 1 ? again[0] : { kind: 'scans', dirs: again };
  return { c, ...(rest ? { again: rest } : {}) };
}

interface Outcome {
  c: Completion;
  /** the part to run again later */
  again?: ServiceTask;
}

export function taskOutcome(i: OutcomeInput): Completion {
  const o = (i.task.kind === 'scans' ? groupOutcome(i, i.task) : undefined) ?? outcome(i, undefined);
  const c = o.c;
  if (o.again) {
    c.retry = { notBefore: i.now + backoffMs(i.attempts, i.retry, i.random), payload: stringifyWithBigints(o.again), ...sizeOf(o.again) };
  } else if (i.task.kind === 'chunk' && i.result.chunkHash === undefined) {
    c.failed = true; // the file's group never closes: its partial stays for a later run
  }
  return c;
}

/** `descend`: where a group's member puts the directories it found; without it they are queued here, grouped */
function outcome(i: OutcomeInput, descend: ScanTask[] | undefined): Outcome {
  const r = i.result;
  const c: Completion = { counters: { ...r.counters, failed: 0 } };
  const tasks: NewTask[] = [];
  const mayRetry = i.attempts < i.retry.maxAttempts;
  const retryable = mayRetry ? r.errors.filter((e) => e.retryable) : [];
  const permanent = mayRetry ? r.errors.filter((e) => !e.retryable) : r.errors;
  const again = retryable.length > 0 ? retryPart(i, retryable) : undefined;
  // without a part to run again (per-entry tasks), a retryable error is kept like the others
  c.errors = (again ? permanent : r.errors).map((e) => fileError(e, ''));
  c.counters = { ...c.counters, failed: c.errors.length };
  // a scan that runs again whole counts its directory then, once
  if (again?.kind === 'scan' && again.only === undefined) c.counters = { ...c.counters, dirsFound: 0 };

  const found: ScanTask[] = [];
  switch (i.task.kind) {
    case 'root': found.push(...(r.descend ?? [])); break;
    case 'scan': afterScan(i, c, tasks, descend ?? found); break;
    case 'prepare': afterPrepare(i, tasks); break;
    case 'chunk': {
      const t = i.task;
      if (r.chunkHash !== undefined) {
        c.result = r.chunkHash;
        c.counters = { ...c.counters, bytesCopied: bytesCopiedBy(t, r) };
        c.closeGroup = (hashes) => encodeTask(finalizeTask(t.file, hashes, t.owner), i.phase);
      }
      break;
    }
    case 'delete': if (i.task.countOnly) c.result = String(r.deleteCount ?? 0); break;
    default: break;
  }
  // the directories to scan go first: the walk spreads before the copies queue behind it
  c.tasks = [...scanGroups(found).map((g) => encodeTask(g, i.task.kind === 'root' ? PHASE_TRANSFER : i.phase)), ...tasks];
  c.manifest = manifestOf(i);
  return { c, ...(again ? { again } : {}) };
}
