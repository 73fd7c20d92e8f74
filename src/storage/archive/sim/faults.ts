// The simulator's seeded faults, from a spec such as
//   "lost=0.01, file-error=0.02, mount-failure=0.05, drive-failure=0.01, lost:dir/a.dat, mount-failure:VOL003"
// KIND=RATE: each chance (a file, a read attempt, a mount) fails with that probability, decided
// by the seed and the chance's name alone; KIND:NAME: that file, volume or drive fails for sure
// (a file error and a mount failure on their first attempt only, so a retry succeeds).
import { BargeError } from '../../../core/errors.js';
import { seededFraction } from './seeded.js';

export type FaultKind = 'lost' | 'file-error' | 'mount-failure' | 'drive-failure';
const KINDS: readonly FaultKind[] = ['lost', 'file-error', 'mount-failure', 'drive-failure'];

export interface FaultSpec {
  rates: Partial<Record<FaultKind, number>>;
  /** names that fail for sure: file paths (lost, file-error), volumes (mount-failure), drive numbers from 0 (drive-failure) */
  named: Partial<Record<FaultKind, Set<string>>>;
}

export const NO_FAULTS: FaultSpec = { rates: {}, named: {} };

function isKind(k: string): k is FaultKind {
  return (KINDS as readonly string[]).includes(k);
}

export function parseFaults(spec: string, where: string): FaultSpec {
  const out: FaultSpec = { rates: {}, named: {} };
  for (const item of spec.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const m = /^([a-z-]+)\s*([=:])\s*(.+)$/.exec(item);
    const kind = m?.[1] ?? '';
    if (!m || !isKind(kind)) {
      throw new BargeError('E_CONFIG', `${where}: bad fault ${JSON.stringify(item)}: expected KIND=RATE or KIND:NAME, KIND one of ${KINDS.join(', ')}`);
    }
    const value = m[3] ?? '';
    if (m[2] === '=') {
      const rate = Number(value);
      if (!/^\d*\.?\d+$/.test(value) || rate > 1) throw new BargeError('E_CONFIG', `${where}: fault ${kind}: rate must be 0 to 1, got ${JSON.stringify(value)}`);
      out.rates[kind] = rate;
    } else {
      (out.named[kind] ??= new Set()).add(value);
    }
  }
  return out;
}

/** the decisions one library makes from its spec and seed */
export class Faults {
  constructor(private readonly spec: FaultSpec, private readonly seed: number) {}

  private fires(kind: FaultKind, name: string, attempt: number, ...key: Array<string | number>): boolean {
    if (this.spec.named[kind]?.has(name) && (kind === 'lost' || kind === 'drive-failure' || attempt === 1)) return true;
    const rate = this.spec.rates[kind] ?? 0;
    return rate > 0 && seededFraction(this.seed, kind, ...key) < rate;
  }

  /** the file is gone from its tape: every read of it fails */
  lost(path: string): boolean { return this.fires('lost', path, 1, path); }
  /** this read of the file fails (attempt counts from 1); a later one may not */
  fileError(path: string, attempt: number): boolean { return this.fires('file-error', path, attempt, path, attempt); }
  /** this mount of the volume fails (attempt counts the volume's mounts from 1) */
  mountFailure(volume: string, attempt: number): boolean { return this.fires('mount-failure', volume, attempt, volume, attempt); }
  /** the drive breaks at this mount (its mounts counted from 1) and stays broken */
  driveFailure(drive: number, mount: number): boolean { return this.fires('drive-failure', String(drive), mount, drive, mount); }
}
