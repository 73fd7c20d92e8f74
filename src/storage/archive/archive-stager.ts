// The Stager of an archive endpoint, the same for every driver: what is in the buffer whole
// already is not staged again; a file is taken only while the buffer has room for it (by
// reservation, in the caller's order, so sessions under way count too); what is taken goes
// to the driver in tape order, in sessions of one volume and at most batchSize files, at
// most `drives` at once; what lands is checked (size, and checksum when the tool gave one)
// before it is renamed under its path in the buffer.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { BargeError, toErrorRecord, type ErrorRecord } from '../../core/errors.js';
import type { TapeCosts } from '../../core/transfer-plan.js';
import type { LocateFailure, StageLocation, StageResult, Stager, StagerLimits } from '../stager.js';
import type { ArchiveDriver, StagedFile, StageJob } from './driver.js';
import { checkRel, type StagingBuffer } from './staging-buffer.js';

/** how Node and tools word a full disk or a quota */
const NO_SPACE_WORDS = /\b(ENOSPC|EDQUOT)\b|no space left|disk quota exceeded/i;

function failed(path: string, e: unknown): StageResult {
  return { path, error: toErrorRecord(e, path) };
}

function hashFile(file: string, algorithm: string): string {
  return createHash(algorithm).update(fs.readFileSync(file)).digest('hex');
}

/**
 * The admitted files in tape order (volume, then position; the caller's order among equals),
 * cut into sessions of one volume and at most batchSize files: a session is one mount.
 */
export function sessionsOf(files: readonly StageLocation[], batchSize: number): StageLocation[][] {
  const sorted = files.map((f, i) => ({ f, i })).sort((a, b) =>
    (a.f.volume < b.f.volume ? -1 : a.f.volume > b.f.volume ? 1 : a.f.position - b.f.position || a.i - b.i)).map((x) => x.f);
  const out: StageLocation[][] = [];
  for (const f of sorted) {
    const last = out.at(-1);
    if (last !== undefined && last.length < batchSize && last[0]?.volume === f.volume) last.push(f);
    else out.push([f]);
  }
  return out;
}

export class ArchiveStager implements Stager {
  /** files located and not staged since: a stage after a locate does not ask the archive twice */
  private readonly located = new Map<string, StageLocation>();
  /**
   * the size the archive gave for each path not yet staged: while the buffer has room for
   * none of a batch, the batch is refused without asking the archive again where it is (a
   * request waiting for room tries every tick, and a locate is a command run against tape)
   */
  private readonly sizes = new Map<string, number>();

  /**
   * `sub`: where this storage is rooted below the endpoint's top ('' at the top): the driver
   * and the buffer know paths from the top, callers from this root.
   */
  constructor(
    private readonly driver: ArchiveDriver, private readonly buffer: StagingBuffer, readonly limits: StagerLimits, private readonly sub: string,
    /** the drives' costs as configured (LTO-9 by default), for plans */
    private readonly costs?: TapeCosts,
  ) {}

  costModel(): TapeCosts | undefined {
    return this.costs === undefined ? undefined : { ...this.costs };
  }

  private top(rel: string): string {
    return this.sub === '' ? rel : `${this.sub}/${rel}`;
  }

  async locate(paths: readonly string[]): Promise<Array<StageLocation | LocateFailure>> {
    // a path that would leave the archive's top never reaches the driver
    const refused = new Map<string, LocateFailure>();
    for (const p of paths) {
      try { checkRel(this.top(p)); } catch (e) { refused.set(p, failed(p, e) as LocateFailure); }
    }
    const asked = paths.filter((p) => !refused.has(p));
    // batch_size paths to a locate too: a command's argument list has a limit
    const answers: Array<StageLocation | LocateFailure> = [];
    for (let i = 0; i < asked.length; i += this.limits.batchSize) {
      answers.push(...await this.driver.locate(asked.slice(i, i + this.limits.batchSize).map((p) => this.top(p))));
    }
    const byPath = new Map<string, StageLocation | LocateFailure>();
    answers.forEach((a, i) => {
      const path = asked[i] as string;
      if ('error' in a) { byPath.set(path, { path, error: { ...a.error, path } }); return; }
      this.located.set(path, { ...a, path });
      this.sizes.set(path, a.size);
      byPath.set(path, { ...a, path });
    });
    return paths.map((p) => refused.get(p) ?? byPath.get(p) ?? failed(p, new BargeError('E_ARCHIVE', 'the driver gave no answer for it', { path: p })) as LocateFailure);
  }

  /** where the batch's files are: as located before (the caller locates, then stages), the rest asked now */
  private async whereAre(batch: readonly string[]): Promise<Array<StageLocation | LocateFailure>> {
    const unknown = batch.filter((p) => !this.located.has(p));
    const asked = new Map((await this.locate(unknown)).map((a) => [a.path, a]));
    return batch.map((p) => this.located.get(p) ?? asked.get(p) as StageLocation | LocateFailure);
  }

  async stage(batch: readonly string[], signal?: AbortSignal): Promise<StageResult[]> {
    const known = batch.map((path) => ({ path, size: this.sizes.get(path) }));
    const noRoom = (k: { path: string; size: number | undefined }): boolean =>
      k.size !== undefined && this.buffer.room(k.size) !== true && !this.buffer.isStaged(this.top(k.path), k.size);
    if (batch.length > 0 && known.every(noRoom)) {
      return known.map((k) => this.refusal({ path: k.path, size: k.size as number }, this.buffer.room(k.size as number) === 'quota' ? 'quota' : 'disk'));
    }
    const results = new Map<string, StageResult>();
    const located = await this.whereAre(batch);
    // each location is used once: a later stage of the path (a retry) asks the archive again
    for (const p of batch) this.located.delete(p);
    const admitted: StageLocation[] = [];
    for (const l of located) {
      if ('error' in l) { results.set(l.path, { path: l.path, error: l.error }); continue; }
      // staged whole already (by an earlier run, before a restart): not read from tape again
      if (this.buffer.isStaged(this.top(l.path), l.size)) { results.set(l.path, { path: l.path }); continue; }
      const room = this.buffer.reserve(l.size);
      if (room === true) { admitted.push(l); continue; }
      results.set(l.path, this.refusal(l, room));
    }
    const sessions = sessionsOf(admitted, this.limits.batchSize);
    await Promise.all(sessions.map((files) => this.buffer.sessions.run(async () => {
      for (const r of await this.session(files, signal)) results.set(r.path, r);
    })));
    for (const r of results.values()) if (r.error === undefined) this.sizes.delete(r.path);
    return batch.map((p) => results.get(p) ?? failed(p, new BargeError('E_INTERNAL', 'staging gave no answer for it', { path: p })));
  }

  /** no drive is asked for it: the buffer has no room (a session of only such files is no mount) */
  private refusal(l: { path: string; size: number }, room: 'quota' | 'disk'): StageResult {
    return { ...failed(l.path, room === 'quota' ? this.overQuota(l) : this.noRoomOnDisk(l)), refused: true };
  }

  private overQuota(l: { path: string; size: number }): BargeError {
    const stats = this.buffer.stats();
    // waiting helps only a file that fits in the buffer at all
    const never = l.size > this.limits.quotaBytes;
    const why = never ? `${l.size} bytes is more than the buffer's quota (${this.limits.quotaBytes}): it can never be staged`
      : `${l.size} bytes would take the buffer past its quota (${stats.usedBytes ?? 0} staged, ${stats.reservedBytes ?? 0} on the way, quota ${this.limits.quotaBytes})`;
    return new BargeError('E_BUFFER_FULL', why, { path: l.path, retryable: !never });
  }

  /** the buffer's file system has no room for it now (it waits for room), or never will */
  private noRoomOnDisk(l: { path: string; size: number }): BargeError {
    const disk = this.buffer.disk() ?? { free: 0, total: 0 };
    const never = l.size > disk.total;
    const why = never ? `${l.size} bytes is more than the buffer's file system holds (${this.buffer.top}: ${disk.total} bytes): it can never be staged`
      : `the buffer's file system is full: ${this.buffer.top} has ${disk.free} bytes free, ${this.buffer.stats().reservedBytes ?? 0} of them held for files on their way, and this file needs ${l.size}; it is staged once there is room`;
    return new BargeError('E_BUFFER_FULL', why, { path: l.path, retryable: !never });
  }

  /**
   * A failure that is the buffer's file system filling up under the file (someone else wrote
   * to it, or the tool wrote more than listed): ENOSPC or EDQUOT said, or a file cut short
   * while the disk has less free than the rest of it. It waits for room as a quota does
   * (E_BUFFER_FULL, retryable) rather than counting as a failed read. Asked before what was
   * written is removed.
   */
  private fullUnder(job: StageJob, e: ErrorRecord): ErrorRecord | undefined {
    if (e.code !== 'E_NO_SPACE' && e.code !== 'E_ARCHIVE' && e.code !== 'E_IO' && e.code !== 'E_INTERNAL') return undefined;
    let written = 0;
    try { written = fs.statSync(job.target).size; } catch { /* nothing landed */ }
    const disk = this.buffer.disk();
    const said = e.code === 'E_NO_SPACE' || NO_SPACE_WORDS.test(e.message);
    if (!said && (disk === undefined || written >= job.size || disk.free >= job.size - written)) return undefined;
    const free = disk === undefined ? 'an unknown number of' : String(disk.free);
    return toErrorRecord(new BargeError('E_BUFFER_FULL',
      `the buffer's file system filled up while it was staged: ${this.buffer.top} has ${free} bytes free, ${written} of its ${job.size} were written ` +
      `(${e.message}); what was written is removed, and it is staged again once there is room`, { path: job.path }), job.path);
  }

  /** one session of the driver; every file's reservation is either landed or given back */
  private async session(files: readonly StageLocation[], signal?: AbortSignal): Promise<StageResult[]> {
    if (signal?.aborted) return this.giveBack(files, new BargeError('E_INTERRUPTED', 'staging was stopped'));
    const jobs: StageJob[] = [];
    let staged: StagedFile[];
    try {
      for (const f of files) jobs.push({ path: this.top(f.path), target: this.buffer.tempFile(), size: f.size, volume: f.volume, position: f.position });
      staged = await this.driver.stage(jobs, signal);
    } catch (e) {
      // each file's own account (what of it was written) is taken before the halves are removed
      const full = files.map((f, i) => (jobs[i] === undefined ? undefined : this.fullUnder(jobs[i], toErrorRecord(e, f.path))));
      for (const j of jobs) fs.rmSync(j.target, { force: true });
      return this.giveBack(files, e).map((r, i) => (full[i] === undefined ? r : { path: r.path, error: full[i] }));
    }
    return files.map((f, i) => {
      const job = jobs[i] as StageJob;
      const found = staged[i]?.error ?? this.check(job, staged[i]);
      const error = found === undefined ? undefined : this.fullUnder(job, found) ?? found;
      if (error !== undefined) {
        fs.rmSync(job.target, { force: true });
        this.buffer.unreserve(f.size);
        return { path: f.path, error: { ...error, path: f.path } };
      }
      try {
        this.buffer.land(job.target, job.path, f.size);
        return { path: f.path };
      } catch (e) {
        // a directory made for it may find the disk full too
        const full = this.fullUnder(job, toErrorRecord(e, f.path));
        fs.rmSync(job.target, { force: true });
        this.buffer.unreserve(f.size);
        return full === undefined ? failed(f.path, e) : { path: f.path, error: full };
      }
    });
  }

  /** why what landed is not the file: missing, another size, another checksum */
  private check(job: StageJob, staged: StagedFile | undefined): ErrorRecord | undefined {
    let size: number;
    try {
      size = fs.statSync(job.target).size;
    } catch {
      return toErrorRecord(new BargeError('E_ARCHIVE', 'the driver reported it staged, but no file landed in the buffer', { path: job.path }), job.path);
    }
    if (size !== job.size) {
      return toErrorRecord(new BargeError('E_ARCHIVE', `the staged file has ${size} bytes; the archive listed ${job.size}`, { path: job.path }), job.path);
    }
    const sum = staged?.checksum;
    if (sum !== undefined) {
      let got: string;
      try {
        got = hashFile(job.target, sum.algorithm);
      } catch (e) {
        return toErrorRecord(new BargeError('E_ARCHIVE', `cannot check the ${sum.algorithm} the archive printed: ${(e as Error).message}`, { path: job.path, retryable: false }), job.path);
      }
      if (got !== sum.hex) return toErrorRecord(new BargeError('E_CHECKSUM', `the staged file's ${sum.algorithm} is ${got}; the archive printed ${sum.hex}`, { path: job.path }), job.path);
    }
    return undefined;
  }

  private giveBack(files: readonly StageLocation[], e: unknown): StageResult[] {
    for (const f of files) this.buffer.unreserve(f.size);
    return files.map((f) => failed(f.path, e));
  }

  // async so that a bad path is a rejected promise, not a throw
  // eslint-disable-next-line @typescript-eslint/require-await
  async release(paths: readonly string[]): Promise<void> {
    for (const p of paths) {
      this.buffer.release(this.top(p));
      this.sizes.delete(p);
    }
  }

  stats(): Record<string, number> {
    return { ...this.driver.stats(), ...this.buffer.stats() };
  }
}
