// How a service queues the directories a scan found: siblings in groups (ScanGroupTask),
// so that a tree of many small directories is a few dozen tasks rather than one per
// directory, yet a wide level still spreads over several threads and agents.
import type { ScanGroupTask, ScanTask } from './task-types.js';

/** at most this many directories in one task: a group runs in one thread, one after another */
export const SCAN_GROUP_MAX_DIRS = 8;
/** a level of at least this many directories is cut into at least this many tasks */
export const SCAN_GROUP_MIN_TASKS = 4;

/** the directories as tasks: a lone directory is a plain scan, siblings go in groups of about equal size */
export function scanGroups(dirs: readonly ScanTask[]): (ScanTask | ScanGroupTask)[] {
  const n = dirs.length;
  if (n <= 1) return [...dirs];
  const tasks = Math.min(n, Math.max(SCAN_GROUP_MIN_TASKS, Math.ceil(n / SCAN_GROUP_MAX_DIRS)));
  const out: (ScanTask | ScanGroupTask)[] = [];
  let from = 0;
  for (let k = 0; k < tasks; k++) {
    // the first n % tasks groups take one more, so the sizes differ by one at most
    const size = Math.floor(n / tasks) + (k < n % tasks ? 1 : 0);
    const part = dirs.slice(from, from + size);
    from += size;
    out.push(part.length === 1 ? part[0] as ScanTask : { kind: 'scans', dirs: part });
  }
  return out;
}
