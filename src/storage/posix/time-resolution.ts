// How finely a file system keeps file times: ext4 and XFS keep nanoseconds, but ext4 with
// 128-byte inodes, ext2/3 and HFS+ keep seconds and FAT two seconds. Comparing a source's
// nanoseconds with such a destination's whole seconds would find every file changed on
// every run; the comparison allows for the coarser side instead. Found once per file
// system by setting a time with every digit on an unnamed temporary file and reading it
// back; a file system without O_TMPFILE (FAT, some network ones) is taken as exact.
import * as fs from 'node:fs';
import { native } from './native.js';

/** a time with an odd second and every nanosecond digit: FAT rounds the second, ext3 drops the fraction */
const PROBE_NS = 1_000_000_001_123_456_789n;
const STEPS = [1n, 10n, 100n, 1_000n, 10_000n, 100_000n, 1_000_000n, 10_000_000n, 100_000_000n, 1_000_000_000n, 2_000_000_000n];
const byDevice = new Map<number, bigint>();
/** Linux's O_TMPFILE (__O_TMPFILE | O_DIRECTORY), which Node's fs.constants lacks */
const O_TMPFILE = 0o20000000 | fs.constants.O_DIRECTORY;

/**
 * The time step of the file system holding `dir`, in ns; 1 when it cannot be found out
 * (the directory missing or not writable, no O_TMPFILE): the exact comparison.
 */
export function timeResolutionNs(dir: string): bigint {
  let dev: number;
  try { dev = fs.statSync(dir).dev; } catch { return 1n; }
  const known = byDevice.get(dev);
  if (known !== undefined) return known;
  // an unnamed file (O_TMPFILE): no name appears in the directory, and its mtime stays as it was
  let fd: number;
  try { fd = fs.openSync(dir, O_TMPFILE | fs.constants.O_WRONLY, 0o600); } catch { return 1n; }
  try {
    native.futimens(fd, null, PROBE_NS);
    const kept = fs.fstatSync(fd, { bigint: true }).mtimeNs;
    const off = kept > PROBE_NS ? kept - PROBE_NS : PROBE_NS - kept;
    const step = STEPS.find((s) => off < s) ?? 2_000_000_000n;
    byDevice.set(dev, step);
    return step;
  } catch {
    return 1n;
  } finally {
    fs.closeSync(fd);
  }
}
