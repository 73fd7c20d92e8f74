// The coordinator's stager: for each request from an archive endpoint it reads the files its
// scans held back, locates them, and mounts volumes one session at a time into the archive's
// buffer — the best-scored volume when a drive is free and the session fits beside what is
// staged and on its way (admission by reservation) — starts the copies of what landed, and
// releases a file from the buffer once its copy is done; a request goes from `staging` to
// `running` when nothing is left to stage. The coordinator opens the archive itself, so this
// serves archive endpoints on the coordinator's host (its built-in agent); an archive served
// by a remote agent is not staged (submit refuses such a request).
import { BargeError, toErrorRecord, type ErrorRecord } from '../../core/errors.js';
import { splitEndpointPath } from '../../core/endpoint-path.js';
import { STAGE_STATES, type EndpointStaging, type RequestStaging, type StageState } from '../../core/staging-figures.js';
import type { RequestRecord, StateStore } from '../../state/state-store.js';
import { endpointBelow, openStorage, type EndpointDescription } from '../../storage/registry.js';
import type { Stager } from '../../storage/stager.js';
import type { Storage } from '../../storage/storage.js';
import { RequestFiles, type FileOnItsWay } from './request-files.js';
import { admits, cutSession, pickVolume } from './stage-plan.js';

const TICK_MS = 200;
/** a buffer that admits nothing while nothing is on its way is swept for copied files at most this often */
const STALL_SWEEP_MS = 1000;
const WATCHED: RequestRecord['state'][] = ['staging', 'running', 'finalizing', 'paused'];

/** one archive endpoint's drives and buffer, shared by its requests */
interface Archive {
  stager: Stager;
  sessions: number;
  /** bytes of sessions started and not yet answered */
  onTheWay: number;
  /** volumes in a session now */
  busy: Set<string>;
  /** volumes the drives hold, last served last */
  mounted: string[];
  lastSweep: number;
  /** sessions started, and bytes landed, by this process: the figures of a driver that keeps none */
  started: number;
  stagedBytes: number;
}

export interface StagingLoopOptions {
  store: StateStore;
  /** the endpoints this host opens (the config's), by name */
  endpoints: ReadonlyMap<string, EndpointDescription>;
  now: () => number;
  onError: (e: unknown) => void;
  /** a request changed (files staged, failed, state): its watchers hear of it */
  onChange: (requestId: string) => void;
}

function fillsSession(files: readonly FileOnItsWay[], limits: { batchSize: number; quotaBytes: number }): boolean {
  const session = cutSession(files, limits);
  return session.length < files.length || session.length >= limits.batchSize;
}

/** an archive endpoint of this host opened at a path ('/'-rooted) below it */
export function openArchiveAt(endpoints: ReadonlyMap<string, EndpointDescription>, name: string, rel: string): Storage {
  const desc = endpoints.get(name);
  if (desc === undefined) throw new BargeError('E_NOT_FOUND', `no endpoint named '${name}'`);
  return openStorage(endpointBelow(desc, rel.slice(1)));
}

export function isArchive(endpoints: ReadonlyMap<string, EndpointDescription>, name: string): boolean {
  return endpoints.get(name)?.kind === 'archive';
}

export class StagingLoop {
  private readonly requests = new Map<string, RequestFiles>();
  private readonly archives = new Map<string, Archive>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private readonly sessions = new Set<Promise<void>>();
  private readonly abort = new AbortController();

  constructor(private readonly o: StagingLoopOptions) {}

  start(): void {
    this.timer = setInterval(() => this.kick(), TICK_MS);
    this.kick();
  }

  kick(): void {
    if (this.ticking || this.abort.signal.aborted) return;
    this.ticking = this.tick().catch((e: unknown) => this.o.onError(e)).finally(() => { this.ticking = undefined; });
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.abort.abort();
    await this.ticking;
    await Promise.allSettled([...this.sessions]);
  }

  private async tick(): Promise<void> {
    const open = (await this.o.store.requestsIn(WATCHED)).filter((r) => isArchive(this.o.endpoints, r.srcEndpoint));
    const seen = new Set<string>();
    this.stateOf.clear();
    for (const r of open) {
      seen.add(r.id);
      this.stateOf.set(r.id, r.state);
      const rf = await this.adopt(r);
      if (r.state === 'staging') await this.advance(r, rf);
      await rf.reap();
    }
    for (const [id, rf] of this.requests) {
      if (seen.has(id)) continue;
      // ended (or gone): what it left in the buffer goes
      await rf.end();
      this.requests.delete(id);
    }
    for (const [name, a] of this.archives) this.schedule(name, a);
  }

  /** this process's view of the request, made on first sight; then what earlier runs copied leaves the buffer */
  private async adopt(r: RequestRecord): Promise<RequestFiles> {
    const known = this.requests.get(r.id);
    if (known) return known;
    const storage = openArchiveAt(this.o.endpoints, r.srcEndpoint, splitEndpointPath(r.source, 'source').rel);
    if (storage.stager === undefined) throw new Error(`endpoint ${r.srcEndpoint} is an archive without a stager`);
    const rf = new RequestFiles(r.id, r.srcEndpoint, storage.stager, this.o.store, this.o.now);
    await rf.sweep();
    this.requests.set(r.id, rf);
    if (!this.archives.has(r.srcEndpoint)) {
      this.archives.set(r.srcEndpoint, { stager: storage.stager, sessions: 0, onTheWay: 0, busy: new Set(), mounted: [], lastSweep: 0, started: 0, stagedBytes: 0 });
    }
    return rf;
  }

  private async advance(r: RequestRecord, rf: RequestFiles): Promise<void> {
    // the walk is looked at first: once it is done, every held task it made is there to read
    const walkDone = (await this.o.store.openCount(r.id, ['root', 'scan', 'scans'])) === 0;
    await rf.readHeld();
    await rf.locate();
    rf.walkDone = walkDone;
    if (walkDone && rf.settled && (await this.o.store.setRequestState(r.id, ['staging'], 'running', this.o.now()))) this.o.onChange(r.id);
  }

  /** sessions start while a drive is free and the next one fits */
  private schedule(name: string, a: Archive): void {
    const limits = a.stager.limits;
    while (a.sessions < limits.drives) {
      const candidates = new Map<string, { rf: RequestFiles; files: FileOnItsWay[] }>();
      for (const rf of this.requests.values()) {
        if (rf.endpoint !== name || !this.isStaging(rf)) continue;
        for (const [volume, files] of rf.located()) {
          if (a.busy.has(volume)) continue;
          // while the walk goes on, more of a volume's files may turn up: it is mounted once
          // it has a whole session's worth, or once the walk is done (then all it has is known)
          if (!rf.walkDone && !fillsSession(files, limits)) continue;
          const c = candidates.get(volume);
          if (c === undefined || c.files.length < files.length) candidates.set(volume, { rf, files });
        }
      }
      const volume = pickVolume(new Map([...candidates].map(([v, c]) => [v, c.files])), this.o.now(), new Set(a.mounted));
      if (volume === undefined) return;
      const { rf, files } = candidates.get(volume) as { rf: RequestFiles; files: FileOnItsWay[] };
      const session = cutSession(files, limits);
      const bytes = session.reduce((n, f) => n + f.size, 0);
      const used = a.stager.stats().usedBytes ?? 0;
      if (!admits(used, a.onTheWay, bytes, limits.quotaBytes)) {
        // nothing on its way and nothing to release: waiting would wait for ever, so the
        // archive is asked anyway (it admits what fits and has what is staged whole already),
        // and the copied files of its requests leave the buffer
        if (a.sessions > 0 || this.anyInFlight(name)) return;
        if (this.o.now() - a.lastSweep < STALL_SWEEP_MS) return;
        a.lastSweep = this.o.now();
        this.sweepAll(name);
      }
      this.run(a, rf, volume, session, bytes);
    }
  }

  private isStaging(rf: RequestFiles): boolean {
    return this.stateOf.get(rf.id) === 'staging';
  }

  private readonly stateOf = new Map<string, string>();

  private anyInFlight(name: string): boolean {
    for (const rf of this.requests.values()) if (rf.endpoint === name && rf.inFlight > 0) return true;
    return false;
  }

  private sweepAll(name: string): void {
    for (const rf of this.requests.values()) if (rf.endpoint === name) this.track(rf.sweep());
  }

  private run(a: Archive, rf: RequestFiles, volume: string, session: FileOnItsWay[], bytes: number): void {
    a.sessions++;
    a.onTheWay += bytes;
    a.busy.add(volume);
    a.mounted = [...a.mounted.filter((v) => v !== volume), volume].slice(-a.stager.limits.drives);
    rf.mounts++;
    a.started++;
    for (const f of session) f.state = 'staging';
    this.track((async () => {
      const errors = new Map<string, ErrorRecord>();
      let refused = false;
      try {
        const results = await a.stager.stage(session.map((f) => f.rel), this.abort.signal);
        for (const r of results) if (r.error) errors.set(r.path, r.error);
        // the buffer had no room for any of them: no drive was asked, so it was no mount
        refused = results.length > 0 && results.every((r) => r.refused === true);
      } catch (e) {
        for (const f of session) errors.set(f.rel, toErrorRecord(e, f.rel));
      } finally {
        a.sessions--;
        a.onTheWay -= bytes;
        a.busy.delete(volume);
      }
      if (refused) {
        rf.mounts--;
        a.started--;
      }
      if (this.abort.signal.aborted) return;
      for (const f of session) if (!errors.has(f.rel)) a.stagedBytes += f.size;
      // the request ended (canceled, failed past its deadline) while its session ran: what landed goes
      if (this.requests.get(rf.id) !== rf) { await rf.stager.release(session.map((f) => f.rel)); return; }
      const wasWaiting = rf.waitingFor !== undefined;
      await rf.landed(session, errors);
      // a refused session while the request waits already changes nothing to show
      if (!(refused && wasWaiting)) this.o.onChange(rf.id);
      // refused: the next tick looks again (room comes from releases and from others, not from this session)
      if (!refused) this.kick();
    })());
  }

  private track(p: Promise<void>): void {
    const q = p.catch((e: unknown) => this.o.onError(e)).finally(() => this.sessions.delete(q));
    this.sessions.add(q);
  }

  /** the request's staging figures, while this process stages it */
  figuresOf(id: string): RequestStaging | undefined {
    return this.requests.get(id)?.figures();
  }

  /** each archive endpoint this process stages from: its driver's and buffer's totals, and its requests' files by state */
  figures(): EndpointStaging[] {
    return [...this.archives].map(([endpoint, a]) => {
      const s = a.stager.stats();
      const files = Object.fromEntries(STAGE_STATES.map((x) => [x, 0])) as Record<StageState, number>;
      for (const rf of this.requests.values()) {
        if (rf.endpoint !== endpoint) continue;
        const f = rf.figures().files;
        for (const k of STAGE_STATES) files[k] += f[k];
      }
      return {
        endpoint, mounts: s.mounts ?? a.started, seekSeconds: s.seekSeconds ?? 0, readFiles: s.files ?? 0, stagedBytes: a.stagedBytes,
        bufferUsedBytes: s.usedBytes ?? 0, bufferPeakBytes: s.peakBytes ?? 0, bufferQuotaBytes: a.stager.limits.quotaBytes, files,
      };
    });
  }
}
