// Every path below a root is resolved beneath the root's held descriptor, but the root
// itself is opened by its path: a directory above it that another user can write (and
// rename in: no sticky bit) lets that user swap the root for a symlink. Such directories
// are reported at start so the operator can fix the modes; they are not refused, since a
// root under a group-shared project folder is common and the owner may trust the group.
import * as fs from 'node:fs';
import * as path from 'node:path';

const STICKY = 0o1000;

/** why a directory above `root` lets another user replace what lies below it, one line each */
export function looseAncestors(root: string, uid = process.getuid?.() ?? 0): string[] {
  const out: string[] = [];
  let dir = path.dirname(path.resolve(root));
  for (;;) {
    const st = fs.statSync(dir, { throwIfNoEntry: false });
    if (st) {
      const mode = st.mode & 0o7777;
      const sticky = (mode & STICKY) !== 0;
      const octal = mode.toString(8).padStart(4, '0');
      if (!sticky && (mode & 0o002) !== 0) out.push(`${dir} is writable by every user (mode ${octal}, no sticky bit)`);
      else if (!sticky && (mode & 0o020) !== 0) out.push(`${dir} is writable by its group ${st.gid} (mode ${octal}, no sticky bit)`);
      if (st.uid !== 0 && st.uid !== uid) out.push(`${dir} belongs to user ${st.uid}, who may rename what is in it`);
    }
    const up = path.dirname(dir);
    if (up === dir) return out;
    dir = up;
  }
}

/** a warning for `what` (an endpoint, SRC) rooted at `root`, or undefined when its ancestors are safe */
export function rootSwapWarning(what: string, root: string, uid?: number): string | undefined {
  const loose = looseAncestors(root, uid);
  if (loose.length === 0) return undefined;
  return `warning: ${what} at ${root}: ${loose.join('; ')}: another user could swap the root for a symlink before barge opens it (make those directories writable by their owner only, or set the sticky bit)`;
}
