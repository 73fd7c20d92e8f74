// The `sim` driver: an archive whose tapes are the simulated library's, whose files are the
// namespace tree's. Staging copies a file from the tree into the buffer once the library has
// mounted, located and read it. One library per set of settings in a process, so every open
// of an endpoint shares its drives and its clock.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BargeError, toErrorRecord } from '../../../core/errors.js';
import type { LocateFailure, StageLocation } from '../../stager.js';
import type { ArchiveDriver, DriverStats, StagedFile, StageJob } from '../driver.js';
import { foldPosition } from '../ls-p.js';
import { openCatalogue, placeLate, type CatalogueFile } from './catalogue.js';
import { Faults, parseFaults } from './faults.js';
import { TapeLibrary, type TapeTiming } from './library.js';

export interface SimSettings {
  /** the namespace tree: the archive's files */
  root: string;
  volumes: number;
  seed: number;
  /** a catalogue file: read when it exists, else written from the placement made */
  catalogue?: string;
  drives: number;
  timing: TapeTiming;
  /** real seconds per simulated second */
  scale: number;
  /** the fault spec (faults.ts); '' for none */
  faults: string;
}

const libraries = new Map<string, TapeLibrary>();

/** the library of these settings, made on first use and shared in this process */
export function simLibrary(s: SimSettings): TapeLibrary {
  const key = JSON.stringify(s);
  let lib = libraries.get(key);
  if (lib === undefined) {
    const catalogue = openCatalogue(s.root, { volumes: s.volumes, seed: s.seed, ...(s.catalogue === undefined ? {} : { file: s.catalogue }) });
    lib = new TapeLibrary(catalogue, s.drives, s.timing, s.scale, new Faults(parseFaults(s.faults, 'archive sim faults'), s.seed));
    libraries.set(key, lib);
  }
  return lib;
}

export class SimDriver implements ArchiveDriver {
  private lib: TapeLibrary | undefined;

  constructor(private readonly settings: SimSettings) {}

  /** made on first use: opening a storage is cheap, and the catalogue walks the whole tree */
  private get library(): TapeLibrary {
    this.lib ??= simLibrary(this.settings);
    return this.lib;
  }

  /** the catalogue's place for the file; a file archived since is placed now; undefined when the tree has no such file */
  private place(rel: string): CatalogueFile | undefined {
    const known = this.library.catalogue.files.get(rel);
    if (known) return known;
    let st: fs.Stats;
    try {
      st = fs.statSync(path.join(this.settings.root, rel));
    } catch {
      return undefined;
    }
    return st.isFile() ? placeLate(this.library.catalogue, { path: rel, size: st.size }, this.settings.seed) : undefined;
  }

  locate(paths: readonly string[]): Promise<Array<StageLocation | LocateFailure>> {
    return Promise.resolve(paths.map((p) => {
      const f = this.place(p);
      if (f) return { path: p, volume: f.volume, position: foldPosition(f.section, 0), size: f.size };
      return { path: p, error: toErrorRecord(new BargeError('E_NOT_FOUND', 'not in the archive', { path: p }), p) };
    }));
  }

  async stage(jobs: readonly StageJob[], signal?: AbortSignal): Promise<StagedFile[]> {
    const out: StagedFile[] = [];
    // a session's files are read in the order given; each stretch on one volume is one mount
    for (let i = 0; i < jobs.length;) {
      const first = this.place((jobs[i] as StageJob).path);
      if (first === undefined) {
        const p = (jobs[i] as StageJob).path;
        out.push({ path: p, error: toErrorRecord(new BargeError('E_NOT_FOUND', 'not in the archive', { path: p }), p) });
        i++;
        continue;
      }
      const run: Array<{ job: StageJob; file: CatalogueFile }> = [];
      for (; i < jobs.length; i++) {
        const job = jobs[i] as StageJob;
        const file = this.place(job.path);
        if (file?.volume !== first.volume) break;
        run.push({ job, file });
      }
      const targets = new Map(run.map((r) => [r.file.path, r.job.target]));
      const errors = await this.library.readRun(first.volume, run.map((r) => r.file), async (f) => {
        await fs.promises.copyFile(path.join(this.settings.root, f.path), targets.get(f.path) as string);
      }, signal);
      run.forEach((r, k) => {
        const e = errors[k];
        out.push(e === undefined ? { path: r.job.path } : { path: r.job.path, error: toErrorRecord(e, r.job.path) });
      });
    }
    return out;
  }

  stats(): DriverStats {
    return { ...this.library.totals };
  }
}
