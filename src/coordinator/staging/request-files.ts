// The files of one request from an archive on their way through the buffer, as this process
// knows them: read from the request's held tasks (the durable part: a held task is a file
// not yet staged), located in batches, staged in sessions the loop plans, started as copy
// tasks once they land, and released from the buffer once their tasks are done. After a
// restart the held tasks are read again and staged again; what the buffer holds whole
// already is online at once (the archive kind says so), so nothing is read from tape twice.
import { copyBatches } from '../../core/copy-batches.js';
import { BargeError, toErrorRecord, type ErrorRecord } from '../../core/errors.js';
import { STAGE_STATES, type RequestStaging, type StageState } from '../../core/staging-figures.js';
import type { FileItem } from '../../core/task-types.js';
import type { Stager } from '../../storage/stager.js';
import type { NewTask, StateStore } from '../../state/state-store.js';
import { decodeTask, encodeTask, type ServiceTask } from '../service-task.js';
import type { Located } from './stage-plan.js';

/** a file whose staging failed for a reason a retry may help is tried this many times */
export const STAGE_ATTEMPTS = 3;
/** as the coordinator's copy batches (task-outcome.ts) */
const BATCH = { maxFiles: 256, maxBytes: 64 * 1024 * 1024 };
const MANIFEST_PAGE = 1000;
const MESSAGE_MAX = 600;

export interface FileOnItsWay extends Located {
  taskId: number;
  phase: number;
  task: ServiceTask;
  rel: string;
  state: StageState;
  attempts: number;
}

export class RequestFiles {
  readonly files = new Map<number, FileOnItsWay>();
  /** started tasks (copy batches) and the files each carries: released once the task is done */
  private readonly started = new Map<number, string[]>();
  /** large files started as a prepare: released once the manifest holds them */
  private readonly preparing = new Set<string>();
  private lastHeld = 0;
  mounts = 0;
  volumes = new Set<string>();
  /** the request's walk had ended when its held tasks were last read: every file it has is known */
  walkDone = false;
  /** its last session found no room in the buffer and nothing has landed since: why, and since when */
  waitingFor: { code: string; reason: string; since: number } | undefined;

  constructor(
    readonly id: string, readonly endpoint: string, readonly stager: Stager,
    private readonly store: StateStore, private readonly now: () => number,
  ) {}

  /** files started whose tasks may still read them from the buffer */
  get inFlight(): number {
    return this.started.size + this.preparing.size;
  }

  /** held tasks not seen yet join as waiting */
  async readHeld(): Promise<void> {
    const held = await this.store.heldTasks(this.id, this.lastHeld);
    const now = this.now();
    for (const h of held) {
      this.lastHeld = Math.max(this.lastHeld, h.id);
      const task = decodeTask(h.payload);
      const file = task.kind === 'copy' ? task.files[0] : task.kind === 'prepare' ? task.file : undefined;
      if (file === undefined || (task.kind === 'copy' && task.files.length !== 1)) throw new BargeError('E_INTERNAL', `held task ${h.id} is not one file's copy or prepare (${task.kind})`);
      this.files.set(h.id, { taskId: h.id, phase: h.phase, task, rel: file.rel, size: file.src.size, state: 'waiting', attempts: 0, volume: '', position: 0, since: now });
    }
  }

  /** the waiting files are located, batchSize at a time; a file the archive cannot place fails */
  async locate(): Promise<void> {
    const waiting = [...this.files.values()].filter((f) => f.state === 'waiting');
    const n = this.stager.limits.batchSize;
    for (let i = 0; i < waiting.length; i += n) {
      const part = waiting.slice(i, i + n);
      const answers = await this.stager.locate(part.map((f) => f.rel));
      const failed: { f: FileOnItsWay; error: ErrorRecord }[] = [];
      part.forEach((f, k) => {
        const a = answers[k];
        if (a === undefined || 'error' in a) { failed.push({ f, error: a?.error ?? toErrorRecord(new BargeError('E_ARCHIVE', 'no answer from locate'), f.rel) }); return; }
        if (a.size > this.stager.limits.quotaBytes) {
          failed.push({ f, error: toErrorRecord(new BargeError('E_BUFFER_FULL', `${a.size} bytes is more than the buffer's quota (${this.stager.limits.quotaBytes}): it can never be staged`, { retryable: false }), f.rel) });
          return;
        }
        Object.assign(f, { volume: a.volume, position: a.position, size: a.size, state: 'located' });
        this.volumes.add(a.volume);
      });
      await this.fail(failed);
    }
  }

  /** the located files by volume */
  located(): Map<string, FileOnItsWay[]> {
    const out = new Map<string, FileOnItsWay[]>();
    for (const f of this.files.values()) {
      if (f.state !== 'located') continue;
      const list = out.get(f.volume);
      if (list) list.push(f);
      else out.set(f.volume, [f]);
    }
    return out;
  }

  /** what a session came to: landed files start as tasks, the others wait again or fail */
  async landed(session: readonly FileOnItsWay[], errors: ReadonlyMap<string, ErrorRecord>): Promise<void> {
    const ok: FileOnItsWay[] = [];
    const failed: { f: FileOnItsWay; error: ErrorRecord }[] = [];
    let noRoom: ErrorRecord | undefined;
    for (const f of session) {
      const e = errors.get(f.rel);
      if (e === undefined) { ok.push(f); continue; }
      if (e.code === 'E_BUFFER_FULL' && e.retryable) noRoom = e;
      // a full buffer or a stop is no fault of the file's: it waits for room (or the next process)
      if (e.code === 'E_BUFFER_FULL' && e.retryable) f.state = 'located';
      else if (e.code === 'E_INTERRUPTED') f.state = 'located';
      else if (e.retryable && ++f.attempts < STAGE_ATTEMPTS) f.state = 'waiting'; // located again: the archive may place it elsewhere
      else failed.push({ f, error: e });
    }
    // the wait begins at the first file the buffer has no room for (its reason kept up to date)
    // and ends with a session that lands files and is refused none: files that squeeze in one
    // by one as room comes back do not end and begin it again
    if (noRoom !== undefined) this.waitingFor = { code: noRoom.code, reason: noRoom.message, since: this.waitingFor?.since ?? this.now() };
    else if (ok.length > 0) this.waitingFor = undefined;
    await this.start(ok);
    await this.fail(failed);
  }

  /** staged files become runnable tasks: small ones in copy batches, large ones their prepare */
  private async start(files: readonly FileOnItsWay[]): Promise<void> {
    if (files.length === 0) return;
    const tasks: NewTask[] = [];
    const carried: string[][] = [];
    const byPhase = new Map<number, FileItem[]>();
    for (const f of files) {
      if (f.task.kind === 'prepare') {
        tasks.push(encodeTask(f.task, f.phase));
        carried.push([]);
        this.preparing.add(f.rel);
      } else if (f.task.kind === 'copy') {
        byPhase.set(f.phase, [...(byPhase.get(f.phase) ?? []), ...f.task.files]);
      }
    }
    for (const [phase, items] of byPhase) {
      for (const batch of copyBatches(items, BATCH)) {
        tasks.push(encodeTask({ kind: 'copy', files: batch }, phase));
        carried.push(batch.map((b) => b.rel));
      }
    }
    const ids = await this.store.startHeld(this.id, files.map((f) => f.taskId), tasks, this.now());
    if (ids === undefined) return; // canceled meanwhile: the request's end releases them
    ids.forEach((id, i) => { if ((carried[i] ?? []).length > 0) this.started.set(id, carried[i] ?? []); });
    for (const f of files) f.state = 'staged';
  }

  private async fail(failed: readonly { f: FileOnItsWay; error: ErrorRecord }[]): Promise<void> {
    if (failed.length === 0) return;
    const errors = failed.map(({ f, error }) => ({ path: f.rel, code: error.code, message: error.message }));
    if (!(await this.store.failHeld(this.id, failed.map((x) => x.f.taskId), errors, this.now()))) return;
    for (const { f } of failed) f.state = 'failed';
    const first = errors[0];
    const more = errors.length > 1 ? ` and ${errors.length - 1} more` : '';
    if (first) {
      const r = await this.store.getRequest(this.id);
      const message = `staging failed for ${first.path} (${first.code}: ${first.message})${more}`;
      // the first few named in the message (all are in its errors): a message stays short
      if (r && (r.message ?? '').length < MESSAGE_MAX) {
        await this.store.setRequestState(this.id, [r.state], r.state, this.now(), { message: r.message ? `${r.message}; ${message}` : message });
      }
    }
  }

  /** the reaper: files whose tasks are done (copied and verified, or failed for good) leave the buffer */
  async reap(): Promise<void> {
    if (this.started.size > 0) {
      const ids = [...this.started.keys()];
      const open = new Set(await this.store.openTaskIds(ids));
      const done = ids.filter((id) => !open.has(id));
      const rels = done.flatMap((id) => this.started.get(id) ?? []);
      await this.release(rels);
      for (const id of done) this.started.delete(id);
    }
    if (this.preparing.size > 0) {
      const copied = await this.store.manifestHas(this.id, [...this.preparing]);
      await this.release(copied);
      for (const p of copied) this.preparing.delete(p);
    }
  }

  private async release(rels: readonly string[]): Promise<void> {
    if (rels.length === 0) return;
    await this.stager.release(rels);
    const set = new Set(rels);
    for (const f of this.files.values()) if (set.has(f.rel) && f.state === 'staged') f.state = 'released';
  }

  /**
   * Every file the request's manifest holds leaves the buffer: after a restart (tasks started
   * by the process before are not known to this one) and when the request ends.
   */
  async sweep(): Promise<void> {
    for (let offset = 0; ; offset += MANIFEST_PAGE) {
      const page = await this.store.listManifest(this.id, MANIFEST_PAGE, offset);
      await this.stager.release(page.items.map((m) => m.path));
      if (page.items.length < MANIFEST_PAGE) break;
    }
  }

  /** the request ended: whatever of it is still in the buffer goes */
  async end(): Promise<void> {
    await this.sweep();
    await this.stager.release([...this.files.values()].map((f) => f.rel));
    this.started.clear();
    this.preparing.clear();
  }

  /** nothing waits to be staged or is being staged (the walk may still find more) */
  get settled(): boolean {
    for (const f of this.files.values()) if (f.state === 'waiting' || f.state === 'located' || f.state === 'staging') return false;
    return true;
  }

  figures(): RequestStaging {
    const files = Object.fromEntries(STAGE_STATES.map((s) => [s, 0])) as Record<StageState, number>;
    for (const f of this.files.values()) files[f.state]++;
    const s = this.stager.stats();
    // nothing left to stage: nothing waits for room (the last refused files landed since)
    const w = this.settled ? undefined : this.waitingFor;
    return {
      mounts: this.mounts, volumes: this.volumes.size, bufferUsedBytes: s.usedBytes ?? 0, bufferQuotaBytes: this.stager.limits.quotaBytes, files,
      ...(w === undefined ? {} : { waiting: { code: w.code, reason: w.reason, since: new Date(w.since).toISOString() } }),
    };
  }
}
