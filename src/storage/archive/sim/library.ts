// The simulated tape library: drives, a robot, cartridges with files at byte offsets, and a
// simulated clock per drive. Costs are LTO-9's by default; a locate takes time in proportion
// to the distance the head moves (3 x the average for the tape's whole written length, since
// two random points on it lie a third of it apart on average), and an unload rewinds first.
// Real time passes as simulated seconds x scale, so a test of hours runs in seconds.
import { BargeError } from '../../../core/errors.js';
import type { Catalogue, CatalogueFile } from './catalogue.js';
import type { Faults } from './faults.js';

export interface TapeTiming {
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

/** LTO-9 as its makers publish it; the robot's move is a typical figure, not a published one */
export const LTO9: TapeTiming = { loadS: 16, unloadS: 56, locateS: 65, robotS: 10, readRate: 400e6 };

export interface LibraryTotals {
  mounts: number;
  failedMounts: number;
  brokenDrives: number;
  unmounts: number;
  files: number;
  bytes: number;
  failedReads: number;
  robotSeconds: number;
  loadSeconds: number;
  unloadSeconds: number;
  seekSeconds: number;
  readSeconds: number;
  /** when the last drive went idle, in simulated seconds from the start (the makespan) */
  elapsedSeconds: number;
}

/** what a library remembers between runs of the simulator's CLI (sim-cli --state) */
export interface LibraryState {
  drives: Drive[];
  volumeFreeAt: Array<[string, number]>;
  volumeMounts: Array<[string, number]>;
  readAttempts: Array<[string, number]>;
  totals: LibraryTotals;
}

interface Drive {
  id: number;
  volume: string | undefined;
  head: number;
  clock: number;
  busy: boolean;
  broken: boolean;
  mounts: number;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class TapeLibrary {
  private readonly drives: Drive[];
  private readonly heldVolumes = new Set<string>();
  private readonly volumeWaiters = new Map<string, Array<() => void>>();
  private driveWaiters: Array<() => void> = [];
  /** simulated time each volume was last let go: a run on it starts no earlier */
  private readonly volumeFreeAt = new Map<string, number>();
  private readonly volumeMounts = new Map<string, number>();
  private readonly readAttempts = new Map<string, number>();
  readonly totals: LibraryTotals = {
    mounts: 0, failedMounts: 0, brokenDrives: 0, unmounts: 0, files: 0, bytes: 0, failedReads: 0,
    robotSeconds: 0, loadSeconds: 0, unloadSeconds: 0, seekSeconds: 0, readSeconds: 0, elapsedSeconds: 0,
  };

  constructor(readonly catalogue: Catalogue, drives: number, private readonly timing: TapeTiming, private readonly scale: number, private readonly faults: Faults) {
    this.drives = Array.from({ length: drives }, (_, id) => ({ id, volume: undefined, head: 0, clock: 0, busy: false, broken: false, mounts: 0 }));
  }

  state(): LibraryState {
    return {
      drives: this.drives.map((d) => ({ ...d, busy: false })),
      volumeFreeAt: [...this.volumeFreeAt], volumeMounts: [...this.volumeMounts], readAttempts: [...this.readAttempts],
      totals: { ...this.totals },
    };
  }

  /** takes up where a saved state left off (drives as many as this library has) */
  restore(state: LibraryState): void {
    state.drives.slice(0, this.drives.length).forEach((d, i) => { this.drives[i] = { ...d, id: i, busy: false }; });
    for (const [k, v] of state.volumeFreeAt) this.volumeFreeAt.set(k, v);
    for (const [k, v] of state.volumeMounts) this.volumeMounts.set(k, v);
    for (const [k, v] of state.readAttempts) this.readAttempts.set(k, v);
    Object.assign(this.totals, state.totals);
  }

  /**
   * Reads `files` (all on `volume`) in the order given on one drive, calling `onFile` for each
   * one read; one answer per file: undefined when read, else why not. The volume is held for
   * the run; a mount that fails is tried on another drive.
   */
  async readRun(volume: string, files: readonly CatalogueFile[], onFile: (f: CatalogueFile) => Promise<void>, signal?: AbortSignal): Promise<Array<BargeError | undefined>> {
    await this.holdVolume(volume);
    let drive: Drive | undefined;
    try {
      const got = await this.mountSomewhere(volume);
      if (got instanceof BargeError) return files.map(() => got);
      drive = got;
      const out: Array<BargeError | undefined> = [];
      for (const f of files) {
        if (signal?.aborted) { out.push(new BargeError('E_INTERRUPTED', 'staging was stopped', { path: f.path })); continue; }
        out.push(await this.readOne(got, f, onFile));
      }
      return out;
    } finally {
      if (drive) this.letGo(drive);
      this.volumeFreeAt.set(volume, drive?.clock ?? this.volumeFreeAt.get(volume) ?? 0);
      this.releaseVolume(volume);
    }
  }

  private async readOne(drive: Drive, f: CatalogueFile, onFile: (f: CatalogueFile) => Promise<void>): Promise<BargeError | undefined> {
    const attempt = (this.readAttempts.get(f.path) ?? 0) + 1;
    this.readAttempts.set(f.path, attempt);
    const length = Math.max(1, this.catalogue.written.get(f.volume) ?? 1);
    const seek = (3 * this.timing.locateS * Math.abs(f.offset - drive.head)) / length;
    this.totals.seekSeconds += seek;
    drive.head = f.offset;
    if (this.faults.lost(f.path)) {
      await this.pass(drive, seek);
      this.totals.failedReads++;
      return new BargeError('E_ARCHIVE', `lost: not readable on ${f.volume} (section ${f.section})`, { path: f.path, retryable: false });
    }
    if (this.faults.fileError(f.path, attempt)) {
      await this.pass(drive, seek);
      this.totals.failedReads++;
      return new BargeError('E_ARCHIVE', `read error on ${f.volume} at section ${f.section} (attempt ${attempt})`, { path: f.path, retryable: true });
    }
    const read = f.size / this.timing.readRate;
    this.totals.readSeconds += read;
    await this.pass(drive, seek + read);
    drive.head = f.offset + f.size;
    try {
      await onFile(f);
    } catch (e) {
      return e instanceof BargeError ? e : new BargeError('E_IO', `copying from the simulated tape: ${(e as Error).message}`, { path: f.path });
    }
    this.totals.files++;
    this.totals.bytes += f.size;
    return undefined;
  }

  /** a drive with the volume mounted and held, or why none could be had */
  private async mountSomewhere(volume: string): Promise<Drive | BargeError> {
    const tried = new Set<number>();
    let last = 'no drive tried';
    for (;;) {
      const drive = await this.takeDrive(volume, tried);
      if (drive === undefined) return new BargeError('E_ARCHIVE', `could not mount ${volume} on any drive (${last})`, { retryable: true });
      drive.clock = Math.max(drive.clock, this.volumeFreeAt.get(volume) ?? 0);
      const failure = await this.mount(drive, volume);
      if (failure === undefined) return drive;
      last = failure;
      tried.add(drive.id);
      this.letGo(drive);
    }
  }

  /** mounts the volume on the drive (unmounting what it holds); a reason when the mount failed */
  private async mount(drive: Drive, volume: string): Promise<string | undefined> {
    if (drive.volume === volume) return undefined;
    let cost = 0;
    if (drive.volume !== undefined) {
      const length = Math.max(1, this.catalogue.written.get(drive.volume) ?? 1);
      const rewind = (3 * this.timing.locateS * drive.head) / length;
      this.totals.seekSeconds += rewind;
      this.totals.unloadSeconds += this.timing.unloadS;
      this.totals.robotSeconds += this.timing.robotS;
      this.totals.unmounts++;
      cost += rewind + this.timing.unloadS + this.timing.robotS;
      drive.volume = undefined;
    }
    cost += this.timing.robotS + this.timing.loadS;
    this.totals.robotSeconds += this.timing.robotS;
    this.totals.loadSeconds += this.timing.loadS;
    this.totals.mounts++;
    drive.mounts++;
    const attempt = (this.volumeMounts.get(volume) ?? 0) + 1;
    this.volumeMounts.set(volume, attempt);
    let failure: string | undefined;
    if (this.faults.driveFailure(drive.id, drive.mounts)) {
      drive.broken = true;
      this.totals.brokenDrives++;
      failure = `drive ${drive.id} failed while loading it`;
    } else if (this.faults.mountFailure(volume, attempt)) {
      failure = `mount ${attempt} on drive ${drive.id} failed`;
    }
    if (failure !== undefined) {
      // the cartridge goes back to its slot
      this.totals.failedMounts++;
      this.totals.robotSeconds += this.timing.robotS;
      cost += this.timing.robotS;
    } else {
      drive.volume = volume;
      drive.head = 0;
    }
    await this.pass(drive, cost);
    return failure;
  }

  /** a free drive for the volume: the one that has it mounted, else an empty one, else the one free earliest */
  private async takeDrive(volume: string, tried: ReadonlySet<number>): Promise<Drive | undefined> {
    for (;;) {
      const usable = this.drives.filter((d) => !d.broken && !tried.has(d.id));
      if (usable.length === 0) return undefined;
      const idle = usable.filter((d) => !d.busy);
      const pick = idle.find((d) => d.volume === volume) ??
        [...idle].sort((a, b) => Number(a.volume !== undefined) - Number(b.volume !== undefined) || a.clock - b.clock || a.id - b.id)[0];
      if (pick) { pick.busy = true; return pick; }
      await new Promise<void>((resolve) => this.driveWaiters.push(resolve));
    }
  }

  private letGo(drive: Drive): void {
    drive.busy = false;
    this.totals.elapsedSeconds = Math.max(this.totals.elapsedSeconds, drive.clock);
    const waiters = this.driveWaiters;
    this.driveWaiters = [];
    for (const w of waiters) w();
  }

  private async holdVolume(volume: string): Promise<void> {
    while (this.heldVolumes.has(volume)) {
      await new Promise<void>((resolve) => {
        const q = this.volumeWaiters.get(volume) ?? [];
        q.push(resolve);
        this.volumeWaiters.set(volume, q);
      });
    }
    this.heldVolumes.add(volume);
  }

  private releaseVolume(volume: string): void {
    this.heldVolumes.delete(volume);
    this.volumeWaiters.get(volume)?.shift()?.();
  }

  /** simulated seconds pass on the drive; real time too, scaled */
  private async pass(drive: Drive, seconds: number): Promise<void> {
    drive.clock += seconds;
    if (this.scale > 0 && seconds > 0) await sleep(seconds * this.scale * 1000);
  }
}
