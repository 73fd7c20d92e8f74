// mkdir -p, one level at a time. Node 20's fs.mkdirSync(p, { recursive: true }) spins
// for ever when mkdir answers ENOENT under a parent that exists (e.g. anything under
// /proc): measured here on Node 20.20.2 as a hang at 100% CPU. Made level by level,
// every failure is an ordinary error naming the directory that could not be made.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** makes `abs` and the directories above it that are missing; an existing directory is fine */
/** `mode`: of the directories made here (the umask applies); those there already keep theirs */
export function makeDirs(abs: string, mode = 0o777): void {
  const missing: string[] = [];
  let p = path.resolve(abs);
  for (;;) {
    let st: fs.Stats | undefined;
    try { st = fs.statSync(p); } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (st) {
      if (!st.isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${p}'`), { code: 'ENOTDIR', path: p });
      break;
    }
    missing.push(p);
    const up = path.dirname(p);
    if (up === p) break;
    p = up;
  }
  for (const dir of missing.reverse()) {
    try { fs.mkdirSync(dir, { mode }); } catch (e) {
      // made meanwhile by someone else: fine if it is a directory
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || !fs.statSync(dir).isDirectory()) throw e;
    }
  }
}
