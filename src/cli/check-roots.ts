// Checks SRC and DST before anything is written: they exist as directories (or DST can
// be made), and neither lies inside the other.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BargeError } from '../core/errors.js';
import { realOrNearest } from '../storage/posix/endpoint-paths.js';

export interface Roots {
  src: string;
  dst: string;
  dstExists: boolean;
}

function inside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel !== '' && rel !== '..' && !rel.startsWith('..' + path.sep) && !path.isAbsolute(rel);
}

export function checkRoots(srcArg: string, dstArg: string): Roots {
  return guarded(srcArg, dstArg, () => check(srcArg, dstArg));
}

function guarded<T>(srcArg: string, dstArg: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof BargeError) throw e;
    const code = (e as NodeJS.ErrnoException).code ?? '';
    const what = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ELOOP' ? 'too many symlinks' : (e as Error).message;
    throw new BargeError('E_BAD_INPUT', `cannot use '${srcArg}' and '${dstArg}': ${what}${code ? ` (${code})` : ''}`);
  }
}

function checkSourceDir(srcArg: string): string {
  const srcStat = fs.statSync(srcArg, { throwIfNoEntry: false });
  if (!srcStat) throw new BargeError('E_BAD_INPUT', `source '${srcArg}' does not exist`);
  if (!srcStat.isDirectory()) throw new BargeError('E_BAD_INPUT', `source '${srcArg}' is not a directory`);
  try { fs.accessSync(srcArg, fs.constants.R_OK | fs.constants.X_OK); } catch {
    throw new BargeError('E_BAD_INPUT', `source '${srcArg}' cannot be read (permission denied)`);
  }
  return fs.realpathSync(srcArg);
}

/** SRC alone, for a destination on another host: an existing, readable directory; its real path */
export function checkSource(srcArg: string): string {
  return guarded(srcArg, srcArg, () => checkSourceDir(srcArg));
}

function check(srcArg: string, dstArg: string): Roots {
  checkSourceDir(srcArg);
  const dstStat = fs.statSync(dstArg, { throwIfNoEntry: false });
  if (dstStat && !dstStat.isDirectory()) throw new BargeError('E_BAD_INPUT', `destination '${dstArg}' exists and is not a directory`);
  const src = fs.realpathSync(srcArg);
  const dst = realOrNearest(path.resolve(dstArg));
  if (src === dst) throw new BargeError('E_BAD_INPUT', `source and destination are the same directory: ${src}`);
  if (inside(dst, src)) throw new BargeError('E_BAD_INPUT', `destination '${dstArg}' is inside the source '${srcArg}'`);
  if (inside(src, dst)) throw new BargeError('E_BAD_INPUT', `source '${srcArg}' is inside the destination '${dstArg}'`);
  return { src, dst, dstExists: dstStat !== undefined };
}
