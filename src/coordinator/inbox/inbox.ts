// The drop-folder inbox of `barge serve`: a request file (JSON or TOML, the API's request
// schema) dropped into the folder is read once it has been quiet for a while, checked as the
// API checks a body, submitted, and moved to accepted/; a bad one goes to quarantine/ with a
// NAME.error.json saying why. Each file makes one request at most, even across a crash
// between the request's insert and the file's move: the file's key (its request id, else the
// SHA-256 of its bytes) is kept with the request. status/ID.json is written when it ends.
//
// The folder is polled (every POLL_MS), not watched with fs.watch: inotify misses changes on
// NFS, CIFS and FUSE mounts, where drop folders often live, and says nothing of changes made
// while the coordinator was down; a listing per second costs nothing next to a transfer.
import { BargeError, isBargeError } from '../../core/errors.js';
import type { LogSink } from '../../core/log-sink.js';
import { isFinal, OPEN_STATES } from '../../core/request-states.js';
import type { RequestSpec, RequestView } from '../../core/request-types.js';
import type { InboxConfig } from '../../config/read-inbox.js';
import type { Page, StateStore, StoredError } from '../../state/state-store.js';
import { InboxFolder, type InboxMoves, type InboxOutcome } from './inbox-folder.js';
import { QuietFiles } from './quiet-files.js';
import { readRequestFile } from './read-request-file.js';
import { STATUS_ERRORS, statusFile } from './status-file.js';
import * as fs from 'node:fs';

const POLL_MS = 1000;
/** a file whose submit failed for a reason that may pass (the database away) is tried again after this */
const RETRY_MS = 10_000;
/**
 * How often the requests still owed a status file are looked for among the open ones: a
 * backstop, since the change events bring nearly every end at once (they miss a request
 * that ends within a second of its submit).
 */
const ENDED_CHECK_MS = 5000;

/** what the inbox needs of the coordinator (Coordinator has this shape) */
export interface InboxCoordinator {
  submit(spec: RequestSpec, actor: string, inbox?: { key: string; file: string }): Promise<RequestView>;
  get(id: string): Promise<RequestView>;
  errors(id: string, limit: number, offset: number): Promise<Page<StoredError>>;
  onChange(listener: (v: RequestView) => void): () => void;
}

export interface InboxOptions {
  config: InboxConfig;
  coordinator: InboxCoordinator;
  store: Pick<StateStore, 'inboxKey' | 'inboxKeysOf' | 'listInboxKeys' | 'requestsIn'>;
  /** the API's check of a request body: a RequestSpec, or E_BAD_INPUT naming the field */
  check: (value: unknown) => RequestSpec;
  log: LogSink;
  /** wraps the folder's moves (test set-up: stop the process between an insert and its move) */
  wrapMoves?: (inner: InboxMoves) => InboxMoves;
  /** monotonic milliseconds */
  now?: () => number;
}

export class Inbox {
  private readonly folder: InboxFolder;
  private readonly moves: InboxMoves;
  private readonly quiet: QuietFiles;
  private readonly now: () => number;
  /** requests from the inbox whose end has not been written to status/ yet */
  private readonly pending = new Set<string>();
  /** names whose submit failed for a passing reason: not before this time again */
  private readonly retryAt = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopChanges: (() => void) | undefined;
  private endedCheckedAt = -Infinity;

  constructor(private readonly o: InboxOptions) {
    this.folder = new InboxFolder(o.config.path);
    this.moves = o.wrapMoves ? o.wrapMoves(this.folder) : this.folder;
    this.quiet = new QuietFiles(o.config.quietMs);
    this.now = o.now ?? (() => performance.now());
  }

  /** makes the folders (a failure here stops the start: the operator named a folder that cannot be used) */
  async start(): Promise<void> {
    this.folder.prepare();
    // requests from the inbox that ended while no coordinator was here to write their status
    for (const e of await this.o.store.listInboxKeys()) {
      if (!isFinal(e.state) || !fs.existsSync(this.folder.pathOf(`${e.requestId}.json`, 'status'))) this.pending.add(e.requestId);
    }
    this.stopChanges = this.o.coordinator.onChange((v) => { if (isFinal(v.state)) void this.ended(v); });
    this.schedule(0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.stopChanges?.();
    await this.running;
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      this.running = this.pass().finally(() => { this.running = undefined; if (this.timer !== undefined) this.schedule(POLL_MS); });
    }, ms);
  }

  /** one look at the folder; nothing in it may end the coordinator, so every failure is logged here */
  private async pass(): Promise<void> {
    try {
      this.folder.prepare(); // again: an operator may have removed a folder while the service runs
      const seen = this.folder.look();
      const present = new Set(seen.map((f) => f.name));
      for (const name of [...this.retryAt.keys()]) if (!present.has(name)) this.retryAt.delete(name);
      for (const name of this.quiet.ready(seen, this.now())) {
        if ((this.retryAt.get(name) ?? 0) > this.now()) continue;
        await this.take(name).catch((e: unknown) => this.later(name, e));
      }
      if (this.pending.size > 0 && this.now() - this.endedCheckedAt >= ENDED_CHECK_MS) {
        this.endedCheckedAt = this.now();
        const open = new Set((await this.o.store.requestsIn(OPEN_STATES)).map((r) => r.id));
        for (const id of [...this.pending]) if (!open.has(id)) await this.lookAt(id);
      }
    } catch (e) {
      this.o.log.error({ err: e, inbox: this.folder.root }, `inbox ${this.folder.root}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** a failure that may pass (the database away, an I/O error): the file stays, tried again later */
  private later(name: string, e: unknown): void {
    this.retryAt.set(name, this.now() + RETRY_MS);
    this.o.log.warn({ err: e, file: name }, `inbox: ${name} not taken, tried again in ${RETRY_MS / 1000} s: ${e instanceof Error ? e.message : String(e)}`);
  }

  /** one quiet file: read, check, submit once, move */
  private async take(name: string): Promise<void> {
    this.quiet.forget(name);
    this.retryAt.delete(name);
    let spec: RequestSpec;
    let sha256: string;
    try {
      const read = readRequestFile(this.folder.pathOf(name), name, this.o.config.maxBytes);
      sha256 = read.sha256;
      spec = this.o.check(read.value);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return; // taken away meanwhile
      if (code === 'EACCES' || code === 'EPERM') return this.quarantine(name, new BargeError('E_PERMISSION', `${name}: this service may not read it`));
      if (isBargeError(e)) return this.quarantine(name, e);
      throw e;
    }
    const key = spec.id !== undefined ? `id:${spec.id}` : `sha256:${sha256}`;
    if (await this.seenBefore(name, key, spec)) return;
    let view: RequestView;
    try {
      view = await this.o.coordinator.submit(spec, `inbox:${name}`, { key, file: name });
    } catch (e) {
      // another coordinator on this database took the same file at the same time
      if (isBargeError(e) && e.code === 'E_EXISTS' && await this.seenBefore(name, key, spec)) return;
      if (isBargeError(e) && !e.retryable) return this.quarantine(name, e, key);
      throw e;
    }
    this.accept(name, view.id, 'submitted');
  }

  /** true when the key made a request already: the file is moved, and makes no second one */
  private async seenBefore(name: string, key: string, spec: RequestSpec): Promise<boolean> {
    const had = await this.o.store.inboxKey(key);
    if (had === undefined) return false;
    // the same name: this file again, or a coordinator stopped between the submit and the move
    if (had.fileName === name) this.accept(name, had.requestId, 'made its request already (no second one)');
    else {
      const same = spec.id !== undefined ? `the id '${spec.id}'` : 'the same content';
      this.quarantine(name, new BargeError('E_EXISTS', `${name}: ${same} as ${had.fileName}, which is request ${had.requestId} already`), key);
    }
    return true;
  }

  private accept(name: string, requestId: string, how: string): void {
    this.pending.add(requestId);
    const moved = this.move(name, 'accepted', this.folder.freeName(name, 'accepted'));
    if (moved === undefined) return;
    this.o.log.info({ file: name, request: requestId }, `inbox: ${name} ${how}: request ${requestId}; moved to accepted/${moved}`);
  }

  private quarantine(name: string, e: BargeError, key?: string): void {
    const to = this.folder.freeName(name, 'quarantine');
    this.folder.writeJson('quarantine', `${to}.error.json`, {
      file: name, code: e.code, message: e.message, at: new Date().toISOString(), ...(key === undefined ? {} : { key }),
    });
    const moved = this.move(name, 'quarantine', to);
    if (moved === undefined) { fs.rmSync(this.folder.pathOf(`${to}.error.json`, 'quarantine'), { force: true }); return; }
    this.o.log.warn({ file: name, code: e.code }, `inbox: ${name} quarantined as quarantine/${moved}: ${e.code}: ${e.message}`);
  }

  /** the name it got in `to`; undefined when it was gone (another coordinator moved it) */
  private move(name: string, to: InboxOutcome, as: string): string | undefined {
    try {
      this.moves.move(name, to, as);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    return as;
  }

  private async lookAt(id: string): Promise<void> {
    let v: RequestView;
    try {
      v = await this.o.coordinator.get(id);
    } catch (e) {
      if (isBargeError(e) && e.code === 'E_NOT_FOUND') { this.pending.delete(id); return; }
      throw e;
    }
    await this.ended(v);
  }

  /** a request that ended: its status file, if it came from the inbox */
  private async ended(v: RequestView): Promise<void> {
    if (!isFinal(v.state)) return;
    try {
      const [entry] = await this.o.store.inboxKeysOf(v.id);
      if (entry === undefined) { this.pending.delete(v.id); return; }
      const errors = await this.o.coordinator.errors(v.id, STATUS_ERRORS, 0);
      this.folder.writeJson('status', `${v.id}.json`, statusFile(v, { file: entry.fileName, key: entry.key }, errors));
      if (this.pending.delete(v.id)) this.o.log.info({ request: v.id }, `inbox: status/${v.id}.json written (${v.state})`);
    } catch (e) {
      this.o.log.error({ err: e, request: v.id }, `inbox: status of request ${v.id} not written: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
