// One sync from start to end: walks the tree as scan tasks, feeds copy batches and
// chunks to the executor while the walk goes on, then the delete pass and the last
// pass over directory metadata. Memory stays bounded: the walk is depth-first and
// only runs when no file waits to be copied.
import { addCounters, emptyCounters, type Counters } from '../core/counters.js';
import { joinRel, type Entry } from '../core/entry.js';
import { BargeError, toErrorRecord, type ErrorRecord } from '../core/errors.js';
import { BATCH_MAX_BYTES, BATCH_MAX_FILES, type SyncOptions } from '../core/sync-options.js';
import { counted } from '../core/units.js';
import { nextBatchLength } from '../core/copy-batches.js';
import { finalizeTask, prepareOutcome, takesChunks } from '../core/chunk-plan.js';
import { deleteBlockedBy, deleteTasks, maxDeleteReached, notReplacedError, replaceItems, RUN_UNFINISHED } from '../core/delete-gate.js';
import { dirMetaRounds, dirMetaTasks } from '../core/dir-meta-order.js';
import { ChunkedFiles } from './chunked-files.js';
import { HardLinkTracker } from './hard-link-tracker.js';
import type { TaskExecutor } from './worker-pool.js';
import type { ActionEvent, DeleteItem, DirMetaItem, FileItem, ScanTask, Task, TaskResult } from '../core/task-types.js';

/** fewer files than this per batch cost more in messages than they gain in balance */
const MIN_BATCH_FILES = 16;

export interface SyncRunHooks {
  onEvent?: (e: ActionEvent) => void;
  onError?: (e: ErrorRecord) => void;
  /** a notice for the user (not an error) */
  onNotice?: (text: string) => void;
  /** a fifo, socket or device found in the source and not copied */
  onSpecialSkipped?: (rel: string, type: Entry['type']) => void;
}

export interface SyncOutcome {
  counters: Counters;
  errors: ErrorRecord[];
  interrupted: boolean;
  /** why the delete pass did not run, when it was asked for */
  deleteSkipped: string | undefined;
  /** deletions --max-delete left undone */
  deletesSkipped: number;
}

/** the same words as a second scan's (scan-task.ts), for a dry run's prediction */
function stillInTheWay(): BargeError {
  return new BargeError('E_EXISTS', 'a directory is in the way of the source entry and would still hold entries after the delete pass (excluded by the filters, or past --max-delete): not replaced');
}

export class SyncRun {
  readonly counters = emptyCounters();
  readonly errors: ErrorRecord[] = [];
  private walking = true;
  private readonly scans: ScanTask[] = [];
  private readonly copies: FileItem[] = [];
  private readonly urgent: Task[] = [];
  private readonly deletes: DeleteItem[] = [];
  /** directories to scan again after the delete pass removed what stood in the way */
  private readonly rescans = new Map<string, ScanTask>();
  private readonly deferred: string[] = [];
  /** --dry-run: directories the delete pass would keep (entries the filters exclude, or names it cannot delete) */
  private readonly keptDirs = new Set<string>();
  private readonly dirMetas: DirMetaItem[] = [];
  private readonly links = new HardLinkTracker();
  private readonly chunked: ChunkedFiles;
  private inflight = 0;
  private scansInflight = 0;
  private stopped: 'interrupt' | 'no-space' | 'crash' | undefined;
  private idle: (() => void) | undefined;
  private deletesSkipped = 0;

  constructor(private readonly exec: TaskExecutor, private readonly opts: SyncOptions, private readonly hooks: SyncRunHooks = {}) {
    this.chunked = new ChunkedFiles(opts.chunkSize, opts.chunksPerFile);
  }

  interrupt(): void {
    this.stopped ??= 'interrupt';
  }

  /** every directory has been listed: the totals are final, an ETA means something */
  get walkDone(): boolean {
    return !this.walking && this.stopped === undefined;
  }

  get interrupted(): boolean {
    return this.stopped === 'interrupt';
  }

  async run(root: ScanTask): Promise<SyncOutcome> {
    this.scans.push(root);
    this.walking = true;
    await this.drain();
    if (this.stopped === 'no-space') this.reportNotAttempted();
    for (const rel of this.links.unsettled()) this.fail(new BargeError('E_NOT_FOUND', 'not linked: the other name of this hard link was not copied'), rel);
    let deleteSkipped: string | undefined;
    if (this.opts.delete && this.deletes.length > 0) deleteSkipped = await this.deletePass();
    await this.afterDeletes(deleteSkipped);
    if (!this.stopped) await this.dirMetaPass();
    return { counters: this.counters, errors: this.errors, interrupted: this.interrupted, deleteSkipped, deletesSkipped: this.deletesSkipped };
  }

  /** the directories that stood in the way are gone: scan their parents again so the source entries land */
  private async afterDeletes(deleteSkipped: string | undefined): Promise<void> {
    if (this.deferred.length === 0) return;
    if (deleteSkipped !== undefined || this.stopped) {
      for (const rel of this.deferred) this.fail(notReplacedError(`delete pass skipped (${deleteSkipped ?? RUN_UNFINISHED})`), rel);
      return;
    }
    for (const t of this.rescans.values()) {
      // a dry run deleted nothing: its second scan takes the directories as gone, but
      // those the delete pass would keep stay in the way
      const only = this.opts.dryRun ? (t.only ?? []).filter((name) => !this.keptDirs.has(joinRel(t.rel, name))) : t.only;
      if (only && only.length > 0) this.scans.push({ ...t, only });
    }
    for (const rel of this.deferred) if (this.keptDirs.has(rel)) this.fail(stillInTheWay(), rel);
    this.walking = true;
    await this.drain();
  }

  /** the destination filled up: every file still queued fails with that reason */
  private reportNotAttempted(): void {
    const full = (rel: string): void => this.fail(new BargeError('E_NO_SPACE', 'not copied: the destination is full'), rel);
    for (const f of this.copies.splice(0)) full(f.rel);
    const big = new Set<string>();
    for (const t of this.urgent.splice(0)) {
      if (t.kind === 'prepare' || t.kind === 'finalize') big.add(t.file.rel);
    }
    for (const rel of this.chunked.unfinished()) big.add(rel);
    for (const rel of big) full(rel);
    const unscanned = this.scans.splice(0).length;
    if (unscanned > 0) this.hooks.onNotice?.(`${counted(unscanned, 'directory', 'directories')} ${unscanned === 1 ? 'was' : 'were'} not scanned: the destination is full`);
  }

  /** dispatch until nothing is queued or in flight */
  private drain(): Promise<void> {
    return new Promise((resolve) => {
      this.idle = resolve;
      this.pump();
    });
  }

  private pump(): void {
    while (this.inflight < this.exec.capacity) {
      const t = this.next();
      if (!t) break;
      this.dispatch(t);
    }
    if (this.inflight === 0 && this.idle) {
      const done = this.idle;
      this.idle = undefined;
      done();
    }
  }

  private next(): Task | undefined {
    if (this.stopped) return undefined;
    const u = this.urgent.shift() ?? this.chunked.next();
    if (u) return u;
    // Copies go first and the walk only feeds them: each directory is made just before
    // its files are written (see scan-task.ts), and the queue of files stays short.
    if (this.copies.length > 0) return this.takeBatch();
    if (this.scans.length > 0) {
      this.scansInflight++;
      return this.scans.pop();
    }
    return this.chunked.next(true);
  }

  /** split what waits evenly over the threads, so none idles while another has a long batch */
  private takeBatch(): Task {
    const cap = Math.max(MIN_BATCH_FILES, Math.min(BATCH_MAX_FILES, Math.ceil(this.copies.length / this.exec.capacity)));
    const n = nextBatchLength(this.copies, 0, { maxFiles: cap, maxBytes: BATCH_MAX_BYTES });
    return { kind: 'copy', files: this.copies.splice(0, n) };
  }

  private dispatch(t: Task): void {
    this.inflight++;
    this.exec.run(t).then((r) => this.settle(t, r), (e: unknown) => {
      // a worker thread died: a bug, reported as such (exit 1), not as an interruption
      this.fail(new BargeError('E_INTERNAL', `a worker thread failed: ${e instanceof Error ? e.message : String(e)}`), '');
      this.stopped ??= 'crash';
      this.settle(t, { counters: {}, errors: [], events: [] });
    });
  }

  private settle(t: Task, r: TaskResult): void {
    try {
      this.absorb(t, r);
    } catch (e) {
      this.fail(e, ''); // a bug in handling a result must not leave the run waiting forever
    } finally {
      this.pump();
    }
  }

  private absorb(t: Task, r: TaskResult): void {
    this.inflight--;
    if (t.kind === 'scan') {
      this.scansInflight--;
      if (this.scansInflight === 0 && this.scans.length === 0 && (r.descend ?? []).length === 0) this.walking = false;
    }
    // a file fails once: chunks already in flight when its first chunk failed say so again
    if (t.kind === 'chunk' && r.errors.length > 0 && this.chunked.hasFailed(t.file.rel)) r = { ...r, errors: [], counters: { ...r.counters, failed: 0 } };
    addCounters(this.counters, r.counters);
    for (const e of r.events) this.hooks.onEvent?.(e);
    for (const e of r.errors) this.record(e);
    if (r.noSpace && !this.stopped) {
      this.stopped = 'no-space';
      this.hooks.onNotice?.('the destination is full: no new files will be written');
    }
    switch (t.kind) {
      case 'scan': this.onScanned(r); break;
      case 'copy': this.onLanded(t.files, r.landed ?? []); break;
      case 'prepare': this.onPrepared(t.file, r); break;
      case 'chunk': this.onChunk(t.file.rel, t.index, t.length, (r.counters.bytesResumed ?? 0) > 0, r.chunkHash); break;
      case 'finalize': this.onLanded([t.file], r.landed ?? []); break;
      default: break;
    }
  }

  private onScanned(r: TaskResult): void {
    for (const d of r.descend ?? []) this.scans.push(d);
    for (const s of r.specials ?? []) this.hooks.onSpecialSkipped?.(s.rel, s.type);
    if (r.dirMeta) this.dirMetas.push(r.dirMeta);
    for (const d of r.deletes ?? []) this.deletes.push(d);
    const replaces = r.deferredReplaces ?? [];
    this.deferred.push(...replaces);
    this.deletes.push(...replaceItems(replaces));
    if (r.rescan) this.rescans.set(r.rescan.rel, r.rescan);
    for (const n of r.hardLinks ?? []) {
      const o = this.links.onUpToDate(n);
      if (typeof o === 'object') this.urgent.push({ kind: 'link', links: [o] });
    }
    for (const f of r.copies ?? []) {
      this.counters.filesToCopy++;
      this.counters.bytesToCopy += f.src.size;
      if (this.opts.hardLinks && f.src.nlink > 1) {
        const o = this.links.onCopy(f);
        if (o === 'wait') continue;
        if (o !== 'copy') { this.urgent.push({ kind: 'link', links: [o] }); continue; }
      }
      if (takesChunks(f, this.opts.chunkCutoff) && !this.opts.dryRun) this.urgent.push({ kind: 'prepare', file: f });
      else this.copies.push(f);
    }
  }

  private onLanded(files: FileItem[], landed: string[]): void {
    if (!this.opts.hardLinks) return;
    const ok = new Set(landed);
    for (const f of files) {
      if (f.src.nlink <= 1) continue;
      const s = this.links.settle(f.rel, ok.has(f.rel));
      if (s.links.length > 0) this.urgent.push({ kind: 'link', links: s.links });
      for (const rel of s.failed) this.fail(new BargeError('E_NOT_FOUND', 'not linked: the other name of this hard link failed to copy'), rel);
    }
  }

  private onPrepared(file: FileItem, r: TaskResult): void {
    const next = prepareOutcome(r);
    if (next === 'failed') { this.onLanded([file], []); return; }
    if (next === 'equal') { this.onLanded([file], r.landed ?? []); return; } // --checksum found it equal
    this.chunked.start(file, new Map(r.recorded ?? []), r.partialOwner);
  }

  private onChunk(rel: string, index: number, length: number, resumed: boolean, hash: string | undefined): void {
    if (hash !== undefined && !resumed) this.counters.bytesCopied += length;
    const f = this.chunked.chunkDone(rel, index, hash);
    if (!f) return;
    // a failed chunk leaves the partial file in place: the next run resumes it
    if (f.failed) this.onLanded([f.file], []);
    else this.urgent.push(finalizeTask(f.file, f.hashes, f.owner));
  }

  private record(e: ErrorRecord): void {
    this.errors.push(e);
    this.hooks.onError?.(e);
  }

  private fail(e: unknown, rel: string): void {
    this.counters.failed++;
    this.record(toErrorRecord(e, rel));
  }

  private async runAll(tasks: Task[]): Promise<TaskResult[]> {
    const settled = await Promise.allSettled(tasks.map((t) => this.exec.run(t)));
    const results: TaskResult[] = [];
    for (const s of settled) {
      if (s.status === 'fulfilled') results.push(s.value);
      else { this.fail(new BargeError('E_INTERNAL', `a worker thread failed: ${String(s.reason)}`), ''); this.stopped ??= 'crash'; }
    }
    for (const r of results) {
      addCounters(this.counters, r.counters);
      for (const e of r.events) this.hooks.onEvent?.(e);
      for (const e of r.errors) this.record(e);
    }
    return results;
  }

  /** deletions come after every copy, and never after errors */
  private async deletePass(): Promise<string | undefined> {
    if (this.stopped) return RUN_UNFINISHED;
    const blocked = deleteBlockedBy(this.counters.failed, 'run');
    if (blocked !== undefined) return blocked;
    const dry = this.opts.dryRun;
    const limit = this.opts.maxDelete;
    let results: TaskResult[];
    if (limit === undefined) {
      results = await this.runAll(deleteTasks(this.deletes, dry));
    } else {
      // up to the limit, as rsync and rclone do: the tasks go one after another, each
      // with what is left, so a dry run names the very entries the real run removes
      results = [];
      let left = limit;
      for (const t of deleteTasks(this.deletes, dry)) {
        const r = await this.runAll([{ ...t, budget: left }]);
        results.push(...r);
        left -= r.reduce((n, x) => n + (x.deleteCount ?? 0), 0);
        if (this.stopped) break;
      }
      this.deletesSkipped = results.reduce((n, x) => n + (x.deletesSkipped ?? 0), 0);
      if (this.deletesSkipped > 0) this.fail(maxDeleteReached(this.deletesSkipped, limit, '--max-delete', dry), '');
    }
    for (const r of results) {
      if (!dry) continue; // a real run's tasks counted what they deleted
      this.counters.deleted += r.deleteCount ?? 0;
      for (const rel of r.keptDirs ?? []) this.keptDirs.add(rel);
    }
    return undefined;
  }

  /** deepest first, one depth at a time, so every directory ends with the source's times */
  private async dirMetaPass(): Promise<void> {
    for (const dirs of dirMetaRounds(this.dirMetas)) {
      const size = Math.max(64, Math.ceil(dirs.length / this.exec.capacity));
      await this.runAll(dirMetaTasks(dirs, size));
    }
  }
}
