// The estimate of a request before it starts (`barge plan`, POST /api/requests?dryRun=1):
// given the files it would copy and, for an archive source, where each one lies on tape,
// the order they are staged in (by volume, then position, in sessions bounded by the batch
// size and half the buffer), what that costs on the archive's drives, and how long the
// bytes take at a transfer rate. Pure arithmetic: every figure is an estimate.

/** what a tape archive costs, as its endpoint is configured (LTO-9 by default) */
export interface TapeCosts {
  /** seconds to load (thread) a cartridge once it is in the drive */
  loadS: number;
  /** seconds to unload it, after the rewind */
  unloadS: number;
  /** seconds of an average locate (between two random places on the tape) */
  locateS: number;
  /** seconds the robot takes to carry a cartridge between its slot and a drive */
  robotS: number;
  /** bytes per second read once positioned */
  readRate: number;
}

/** a file to copy, with its place on tape when the source is an archive */
export interface LocatedFile {
  path: string;
  size: number;
  volume: string;
  position: number;
}

/** what the archive allows at once: drives, files a session, the buffer's bytes */
export interface TapeSetup {
  drives: number;
  batchSize: number;
  quotaBytes: number;
  costs: TapeCosts;
}

export interface TapeEstimate {
  volumes: number;
  /** cartridges loaded into a drive */
  mounts: number;
  /** driver sessions (one volume, at most batchSize files, at most half the buffer each) */
  sessions: number;
  robotSeconds: number;
  loadSeconds: number;
  unloadSeconds: number;
  /** locates between files and the rewinds before unloads */
  locateSeconds: number;
  readSeconds: number;
  /** when the last drive is done, the drives working in parallel */
  elapsedSeconds: number;
  /** when the first session's files are all in the buffer: copies start then */
  firstSessionSeconds: number;
  /** bytes of the largest session: what is still to ship when the last one lands */
  largestSessionBytes: number;
  /** drives staging at once: the archive's, or fewer when the buffer holds fewer sessions */
  drivesUsed: number;
}

/**
 * The files in tape order (volume, then position; the given order among equals), cut into
 * sessions of one volume, at most `batchSize` files and at most `maxBytes` (a file larger
 * than that is a session of its own): a volume bigger than the buffer takes several.
 */
export function tapeSessions(files: readonly LocatedFile[], batchSize: number, maxBytes = Infinity): LocatedFile[][] {
  const sorted = files.map((f, i) => ({ f, i })).sort((a, b) =>
    (a.f.volume < b.f.volume ? -1 : a.f.volume > b.f.volume ? 1 : a.f.position - b.f.position || a.i - b.i)).map((x) => x.f);
  const out: LocatedFile[][] = [];
  let bytes = 0;
  for (const f of sorted) {
    const last = out.at(-1);
    if (last !== undefined && last[0]?.volume === f.volume && last.length < batchSize && bytes + f.size <= maxBytes) {
      last.push(f);
      bytes += f.size;
    } else {
      out.push([f]);
      bytes = f.size;
    }
  }
  return out;
}

/**
 * Per volume, what the positions asked for say of it, since the archive tells no tape's
 * length: one file's step (the smallest gap between two positions asked for; none with one
 * file) and the length (the furthest position plus a step).
 */
function volumeScales(sessions: readonly (readonly LocatedFile[])[]): { length: Map<string, number>; step: Map<string, number> } {
  const positions = new Map<string, number[]>();
  for (const s of sessions) {
    for (const f of s) {
      const ps = positions.get(f.volume);
      if (ps === undefined) positions.set(f.volume, [f.position]);
      else ps.push(f.position);
    }
  }
  const length = new Map<string, number>();
  const step = new Map<string, number>();
  for (const [volume, ps] of positions) {
    const sorted = [...new Set(ps)].sort((a, b) => a - b);
    let gap = Infinity;
    for (let i = 1; i < sorted.length; i++) gap = Math.min(gap, (sorted[i] as number) - (sorted[i - 1] as number));
    const s = Number.isFinite(gap) ? gap : 0;
    step.set(volume, s);
    length.set(volume, Math.max(1, (sorted.at(-1) ?? 0) + s));
  }
  return { length, step };
}

interface DriveState {
  id: number;
  volume: string | undefined;
  head: number;
  clock: number;
}

/**
 * Runs the sessions in the order given on `drives` drives, each taken by the drive that can
 * start it first (the one holding its volume, else an empty one, on a tie); a volume is in
 * one drive at a time. A locate costs 3 x the average locate x the distance over the
 * volume's length (two random points lie a third of a tape apart; volumeScales says what
 * length and a file's step are taken to be); an unload rewinds first. The simulator's model.
 */
export function runSessions(sessions: readonly (readonly LocatedFile[])[], drives: number, costs: TapeCosts): TapeEstimate {
  const { length, step } = volumeScales(sessions);
  const locate = (volume: string, from: number, to: number): number => (3 * costs.locateS * Math.abs(to - from)) / (length.get(volume) ?? 1);
  const ds: DriveState[] = Array.from({ length: Math.max(1, drives) }, (_, id) => ({ id, volume: undefined, head: 0, clock: 0 }));
  const volumeFreeAt = new Map<string, number>();
  const e: TapeEstimate = {
    volumes: length.size, mounts: 0, sessions: sessions.length, robotSeconds: 0, loadSeconds: 0, unloadSeconds: 0, locateSeconds: 0,
    readSeconds: 0, elapsedSeconds: 0, firstSessionSeconds: 0, largestSessionBytes: 0, drivesUsed: ds.length,
  };
  sessions.forEach((files, n) => {
    const volume = files[0]?.volume;
    if (volume === undefined) return;
    const startOn = (d: DriveState): number => Math.max(d.clock, volumeFreeAt.get(volume) ?? 0);
    const rank = (d: DriveState): number => (d.volume === volume ? 0 : d.volume === undefined ? 1 : 2);
    const d = [...ds].sort((a, b) => startOn(a) - startOn(b) || rank(a) - rank(b) || a.id - b.id)[0] as DriveState;
    let t = startOn(d);
    if (d.volume !== volume) {
      if (d.volume !== undefined) {
        const rewind = locate(d.volume, d.head, 0);
        e.locateSeconds += rewind;
        e.unloadSeconds += costs.unloadS;
        e.robotSeconds += costs.robotS;
        t += rewind + costs.unloadS + costs.robotS;
      }
      e.robotSeconds += costs.robotS;
      e.loadSeconds += costs.loadS;
      e.mounts++;
      t += costs.robotS + costs.loadS;
      d.volume = volume;
      d.head = 0;
    }
    let bytes = 0;
    for (const f of files) {
      const seek = locate(volume, d.head, f.position);
      const read = f.size / costs.readRate;
      e.locateSeconds += seek;
      e.readSeconds += read;
      t += seek + read;
      // reading passes over the file: the head ends where the next file would start
      d.head = f.position + (step.get(volume) ?? 0);
      bytes += f.size;
    }
    d.clock = t;
    volumeFreeAt.set(volume, t);
    e.elapsedSeconds = Math.max(e.elapsedSeconds, t);
    e.largestSessionBytes = Math.max(e.largestSessionBytes, bytes);
    if (n === 0) e.firstSessionSeconds = t;
  });
  return e;
}

/**
 * Tape order: by volume and position, sessions within the batch size and half the buffer (so
 * staging and shipping overlap). A session is admitted only while the buffer has room for it,
 * so no more drives stage at once than the buffer holds of the largest session.
 */
export function estimateTapeOrder(files: readonly LocatedFile[], setup: TapeSetup): TapeEstimate {
  const sessions = tapeSessions(files, setup.batchSize, Math.max(1, Math.floor(setup.quotaBytes / 2)));
  const largest = Math.max(1, ...sessions.map((s) => s.reduce((n, f) => n + f.size, 0)));
  const drives = Math.max(1, Math.min(setup.drives, Math.floor(setup.quotaBytes / largest)));
  return { ...runSessions(sessions, drives, setup.costs), drivesUsed: drives };
}

/** request order, for comparison: each file its own session, as a pipeline that does not sort does */
export function estimateRequestOrder(files: readonly LocatedFile[], setup: TapeSetup): TapeEstimate {
  return runSessions(files.map((f) => [f]), setup.drives, setup.costs);
}

export interface TransferEstimate {
  /** files and bytes the request would copy (up-to-date files not counted) */
  files: number;
  bytes: number;
  /** the rate the transfer time is reckoned at, bytes/s */
  rateBytesPerSecond: number;
  transferSeconds: number;
  /** for an archive source: tape order, and request order beside it */
  tape?: TapeEstimate & { requestOrder: { mounts: number; elapsedSeconds: number } };
  /** from now to the last byte shipped */
  etaSeconds: number;
}

/**
 * The whole estimate. Without tape it is the bytes at the rate. With tape, copies of a
 * session start once it has landed, so staging and shipping overlap: the end is the later of
 * the tape's end plus shipping its largest session, and the first session's landing plus
 * shipping everything.
 */
export function estimateTransfer(files: { size: number }[], rate: number, tape?: { located: readonly LocatedFile[]; setup: TapeSetup }): TransferEstimate {
  const bytes = files.reduce((n, f) => n + f.size, 0);
  const ship = (b: number): number => b / rate;
  const out: TransferEstimate = { files: files.length, bytes, rateBytesPerSecond: rate, transferSeconds: ship(bytes), etaSeconds: ship(bytes) };
  if (tape === undefined || tape.located.length === 0) return out;
  const ordered = estimateTapeOrder(tape.located, tape.setup);
  const asked = estimateRequestOrder(tape.located, tape.setup);
  out.tape = { ...ordered, requestOrder: { mounts: asked.mounts, elapsedSeconds: asked.elapsedSeconds } };
  out.etaSeconds = Math.max(ordered.elapsedSeconds + ship(ordered.largestSessionBytes), ordered.firstSessionSeconds + ship(bytes));
  return out;
}
