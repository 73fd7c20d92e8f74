// An archive endpoint's table in the config: the namespace tree, the buffer and its limits,
// the driver and the driver's own keys. Every bad value is E_CONFIG naming the key.
import * as path from 'node:path';
import { parseSize } from '../../core/units.js';
import { configError, describeValue, keyWhere, optionalString, requiredString, type ConfigTable } from '../endpoint-table.js';
import type { EndpointDescription } from '../storage-kind.js';
import { PATHS_PLACEHOLDER } from './command/command-driver.js';
import { parseFaults } from './sim/faults.js';
import { LTO9, type TapeTiming } from './sim/library.js';

export interface SimDriverConfig {
  readonly name: 'sim';
  readonly volumes: number;
  readonly seed: number;
  readonly catalogue?: string;
  readonly scale: number;
  readonly timing: TapeTiming;
  readonly faults: string;
}

export interface CommandDriverConfig {
  readonly name: 'command';
  readonly locate: readonly string[];
  readonly stage: readonly string[];
  readonly archivePath: string;
  /** what the archive's drives cost, for plans (the tool does the staging; these are only estimates) */
  readonly timing: TapeTiming;
}

export interface ArchiveEndpoint extends EndpointDescription {
  readonly kind: 'archive';
  /** the namespace tree's top, absolute */
  readonly path: string;
  /** the staging buffer's top, absolute */
  readonly buffer: string;
  readonly bufferQuota: number;
  readonly drives: number;
  readonly batchSize: number;
  readonly driver: SimDriverConfig | CommandDriverConfig;
  /** set by below(): where this endpoint is rooted below the top ('/'-separated) */
  readonly sub?: string;
}

const COMMON = ['path', 'driver', 'buffer', 'buffer_quota', 'drives', 'batch_size'] as const;
/** the drives' costs: the sim runs by them, and a plan estimates by them for either driver */
const TIMING = ['load_time', 'unload_time', 'locate_time', 'robot_time', 'read_rate'] as const;
const SIM = ['volumes', 'seed', 'catalogue', 'scale', 'faults'] as const;
const COMMAND = ['locate_command', 'stage_command', 'archive_path'] as const;
export const ARCHIVE_KEYS: readonly string[] = [...COMMON, ...TIMING, ...SIM, ...COMMAND];

function has(t: ConfigTable, key: string): boolean {
  return Object.hasOwn(t, key) && t[key] !== undefined;
}

function number(t: ConfigTable, key: string, where: string, fallback: number, opts: { whole?: boolean; min?: number; above?: number } = {}): number {
  if (!has(t, key)) return fallback;
  const v = t[key];
  const at = keyWhere(where, key);
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw configError(at, `expected a number, got ${describeValue(v)}`);
  if (opts.whole && !Number.isInteger(n)) throw configError(at, `expected a whole number, got ${describeValue(v)}`);
  if (opts.min !== undefined && n < opts.min) throw configError(at, `must be at least ${opts.min}, got ${n}`);
  if (opts.above !== undefined && n <= opts.above) throw configError(at, `must be above ${opts.above}, got ${n}`);
  return n;
}

/** a byte count: a whole number, or text with a unit ("10GiB", "400MB"), above zero */
function bytes(t: ConfigTable, key: string, where: string, fallback?: number): number {
  const at = keyWhere(where, key);
  if (!has(t, key)) {
    if (fallback === undefined) throw configError(at, 'missing (required)');
    return fallback;
  }
  const v = t[key];
  let n: number;
  if (typeof v === 'string') {
    try { n = parseSize(v); } catch { throw configError(at, `expected a size such as "10GiB" or "400MB", got ${describeValue(v)}`); }
  } else {
    n = number(t, key, where, 0, { whole: true });
  }
  if (n <= 0) throw configError(at, `must be above zero, got ${describeValue(v)}`);
  return n;
}

function absolute(t: ConfigTable, key: string, where: string): string {
  const p = requiredString(t, key, where);
  if (!path.isAbsolute(p)) throw configError(keyWhere(where, key), `must be an absolute path, got ${describeValue(p)}`);
  return p;
}

function argv(t: ConfigTable, key: string, where: string): string[] {
  const at = keyWhere(where, key);
  if (!has(t, key)) throw configError(at, 'missing (required for driver "command")');
  const v = t[key];
  if (!Array.isArray(v) || v.length === 0 || !v.every((a): a is string => typeof a === 'string')) {
    throw configError(at, `expected an array of strings (the program and its arguments; no shell is used), got ${describeValue(v)}`);
  }
  if (v[0] === '') throw configError(at, 'the program must not be empty');
  return v;
}

function refuseOthers(t: ConfigTable, keys: readonly string[], driver: string, where: string): void {
  for (const k of keys) if (has(t, k)) throw configError(keyWhere(where, k), `is not a key of driver ${JSON.stringify(driver)}`);
}

function checkFaults(spec: string, where: string): string {
  parseFaults(spec, where);
  return spec;
}

/** the drives' costs, LTO-9's where a key is not given */
function timing(t: ConfigTable, where: string): TapeTiming {
  const seconds = (key: string, fallback: number): number => number(t, key, where, fallback, { min: 0 });
  return {
    loadS: seconds('load_time', LTO9.loadS), unloadS: seconds('unload_time', LTO9.unloadS), locateS: seconds('locate_time', LTO9.locateS),
    robotS: seconds('robot_time', LTO9.robotS), readRate: bytes(t, 'read_rate', where, LTO9.readRate),
  };
}

function simDriver(t: ConfigTable, where: string): SimDriverConfig {
  refuseOthers(t, COMMAND, 'sim', where);
  const catalogue = optionalString(t, 'catalogue', where);
  if (catalogue !== undefined && !path.isAbsolute(catalogue)) throw configError(keyWhere(where, 'catalogue'), `must be an absolute path, got ${describeValue(catalogue)}`);
  return {
    name: 'sim',
    volumes: number(t, 'volumes', where, 20, { whole: true, min: 1 }),
    seed: number(t, 'seed', where, 1, { whole: true, min: 0 }),
    ...(catalogue === undefined ? {} : { catalogue }),
    scale: number(t, 'scale', where, 0.001, { min: 0 }),
    timing: timing(t, where),
    faults: checkFaults(optionalString(t, 'faults', where) ?? '', keyWhere(where, 'faults')),
  };
}

function commandDriver(t: ConfigTable, where: string, top: string): CommandDriverConfig {
  refuseOthers(t, SIM, 'command', where);
  const locate = argv(t, 'locate_command', where);
  if (!locate.includes(PATHS_PLACEHOLDER)) throw configError(keyWhere(where, 'locate_command'), `must have the argument "${PATHS_PLACEHOLDER}", which stands for the paths to locate`);
  return { name: 'command', locate, stage: argv(t, 'stage_command', where), archivePath: optionalString(t, 'archive_path', where) ?? top, timing: timing(t, where) };
}

export function parseArchiveEndpoint(t: ConfigTable, where: string): ArchiveEndpoint {
  // `write` is every endpoint's key, read by the config loader; here only its meaning is checked
  if (t.write === true) throw configError(keyWhere(where, 'write'), 'an archive endpoint is a source: barge does not write to tape');
  const top = absolute(t, 'path', where);
  const buffer = absolute(t, 'buffer', where);
  const rel = path.relative(top, buffer);
  if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) throw configError(keyWhere(where, 'buffer'), 'must not be the archive\'s path nor inside it');
  const back = path.relative(buffer, top);
  if (!back.startsWith('..') && !path.isAbsolute(back)) throw configError(keyWhere(where, 'buffer'), 'must not hold the archive\'s path');
  const name = requiredString(t, 'driver', where);
  if (name !== 'sim' && name !== 'command') throw configError(keyWhere(where, 'driver'), `expected "sim" or "command", got ${describeValue(name)}`);
  return {
    kind: 'archive', path: top, buffer,
    bufferQuota: bytes(t, 'buffer_quota', where),
    drives: number(t, 'drives', where, 4, { whole: true, min: 1 }),
    batchSize: number(t, 'batch_size', where, 500, { whole: true, min: 1 }),
    driver: name === 'sim' ? simDriver(t, where) : commandDriver(t, where, top),
  };
}
