// Changes inside a directory that its owner made read-only (0555: a Go module cache, a
// tree copied from read-only media). Root never meets this; any other user would fail
// every later update, create or delete in it. rsync -a does what the owner could do by
// hand: add u+w for the change and put the mode back, and so does barge here. Only a
// directory this process owns is opened (chmod would fail on another's anyway), only after
// the change failed EACCES (nothing is spent on the usual path), and the mode is put
// back before the call returns or throws: a run that fails midway never leaves a
// directory more open than it was. The directory's final mode is the source's, set by
// the directory pass at the end of the run as always.
import * as fs from 'node:fs';
import { BargeError } from '../../core/errors.js';
import type { FsPath } from './fs-path.js';

/** owner write and search: what creating, renaming and unlinking in a directory need */
const OWNER_WX = 0o300;
/** a few rounds, for another thread of the run that puts the mode back meanwhile */
const ROUNDS = 8;

/** fn failed for want of permission (an errno error, or a BargeError made of one) */
export function isDenied(e: unknown): boolean {
  const cause = e instanceof BargeError ? e.cause : e;
  return typeof cause === 'object' && cause !== null && (cause as NodeJS.ErrnoException).code === 'EACCES';
}

/**
 * The mode to put back once a change in dirPath is done, after u+wx was added to it; or
 * undefined when barge may not or need not open it: not a directory, not this process's
 * own, or open already (another thread of the run opened it meanwhile: try again as is).
 */
function openForOwner(dirPath: FsPath): { restore: number | undefined } | undefined {
  let st: fs.Stats;
  try { st = fs.statSync(dirPath); } catch { return undefined; }
  if (!st.isDirectory() || st.uid !== process.geteuid?.()) return undefined;
  const mode = st.mode & 0o7777;
  if ((mode & OWNER_WX) === OWNER_WX) return { restore: undefined };
  fs.chmodSync(dirPath, mode | OWNER_WX);
  return { restore: mode };
}

/**
 * Runs fn, a change of entries inside dirPath (a held descriptor's /proc path, so the
 * directory cannot be swapped meanwhile). When it fails EACCES and dirPath is this
 * process's own directory without owner write or search, fn runs again with u+wx added,
 * and the mode is put back whatever the outcome. fn must change nothing when it fails
 * EACCES (each caller's first change in the directory is the call that fails).
 * `denied` tells a failure apart where fn reports one without throwing; `failedOnce`: the
 * caller has seen it fail already, so the first round opens the directory.
 */
export function inOwnDir<T>(dirPath: FsPath, fn: () => T, denied: (r: T) => boolean = () => false, failedOnce = false): T {
  let last: { ok: true; value: T } | { ok: false; error: unknown } = { ok: false, error: undefined };
  let openAlready = 0;
  for (let round = failedOnce ? 1 : 0; round <= ROUNDS; round++) {
    let grant: { restore: number | undefined } | undefined;
    if (round > 0) {
      grant = openForOwner(dirPath);
      // not barge's to open; or denied twice with the directory open: not the directory's doing
      if (!grant || (grant.restore === undefined && ++openAlready > 2)) break;
    }
    try {
      const value = fn();
      last = { ok: true, value };
      if (!denied(value)) return value;
    } catch (e) {
      if (!isDenied(e)) throw e;
      last = { ok: false, error: e };
    } finally {
      if (grant?.restore !== undefined) fs.chmodSync(dirPath, grant.restore);
    }
  }
  if (last.ok) return last.value;
  throw last.error;
}
