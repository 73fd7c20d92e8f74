// Directories below a storage root, reached without following a symlink in any part of the
// path (issue 25). Each operation opens its parent directory here (openat2 with
// RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS, or an O_NOFOLLOW walk where the kernel lacks it:
// src/native/beneath.c) and names what it touches relative to that descriptor, through
// /proc/self/fd/<fd>/<name>: the kernel resolves that to the directory the descriptor
// holds, not to whatever the path is now, so a directory swapped for a symlink after it
// was opened cannot redirect the operation, and one swapped before is refused.
import { BargeError } from '../../core/errors.js';
import { classifyError } from './classify-error.js';
import { native } from './native.js';
import { checkName, resolveUnder, splitParent } from './path-guard.js';
import { fsPath } from './fs-path.js';

/** the path through which the kernel reaches what descriptor fd holds */
export const fdPath = (fd: number): string => `/proc/self/fd/${fd}`;

/** tests only: walk component by component even where openat2 exists */
let forceWalk = false;
export function forceWalkForTests(on: boolean): void { forceWalk = on; }

/** a descriptor of root/relDir, a directory reached without a symlink below root; the caller closes it with closeDir */
export function openDirBeneath(root: string, relDir: string, rel: string, action: string): number {
  resolveUnder(root, relDir); // refuses '..', '.', '', absolute paths and NUL with E_PATH_ESCAPE
  try {
    return native.openDirBeneath(fsPath(root), fsPath(relDir), forceWalk);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOOP') {
      throw new BargeError('E_PATH_ESCAPE', `${action}: a symlink is in the path (${relDir}); barge does not follow it below the root`, { path: rel });
    }
    throw classifyError(e, action, rel);
  }
}

/** closes what openDirBeneath gave (natively: Node's fs warns about descriptors it did not open) */
export function closeDir(fd: number): void {
  try { native.closeFd(fd); } catch { /* already closed */ }
}

/** runs fn with the parent directory of rel held open: dir is its /proc path, name rel's last part */
export function inParent<T>(root: string, rel: string, action: string, fn: (dir: string, name: string) => T, shown = rel): T {
  // the whole path, last part included: a last part of '..' named through the parent's
  // descriptor would reach the parent's parent
  resolveUnder(root, rel);
  const { parent, name } = splitParent(rel);
  checkName(name);
  const fd = openDirBeneath(root, parent, shown, action);
  try {
    return fn(fdPath(fd), name);
  } finally {
    native.closeFd(fd);
  }
}

/** runs fn with the directory dir itself held open */
export function inDir<T>(root: string, dir: string, action: string, fn: (dirPath: string) => T, shown = dir): T {
  const fd = openDirBeneath(root, dir, shown, action);
  try {
    return fn(fdPath(fd));
  } finally {
    native.closeFd(fd);
  }
}
