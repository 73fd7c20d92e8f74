// The tasks of a service request (the engine's tasks) as stored in the queue: JSON that
// keeps bigints, with the files and bytes each covers.
import { parseWithBigints, stringifyWithBigints } from '../core/json-bigint.js';
import type { FileItem, Task } from '../core/task-types.js';
import type { NewTask } from '../state/state-store.js';

/** a delete batch that clears the way for source entries (deferred replaces) */
export interface DeleteMarker {
  deferred?: boolean;
}

/**
 * A scan run again for an error its report named carries the attempt that reported: a
 * lease beyond the next one means a later attempt's report never came, and that attempt
 * may have copied files no counter or manifest row holds (ScanTask.copyAgain).
 */
export interface ReportedMarker {
  reportedAttempt?: number;
}

export type ServiceTask = Task;

/** the task as a lease hands it out: a scan whose last attempt never reported copies its small files again */
export function asLeased<T extends ServiceTask & ReportedMarker>(t: T, attempts: number): T {
  if (t.kind === 'scans') return { ...t, dirs: t.dirs.map((d) => asLeased(d, attempts)) };
  if (t.kind !== 'scan' || attempts <= (t.reportedAttempt ?? 0) + 1) return t;
  return { ...t, copyAgain: true };
}

export function encodeTask(t: ServiceTask & DeleteMarker, phase: number, extra: { groupKey?: string; notBefore?: number } = {}): NewTask {
  const { items, bytes } = sizeOf(t);
  return { kind: t.kind, phase, payload: stringifyWithBigints(t), items, bytes, ...extra };
}

export function decodeTask(payload: string): ServiceTask & DeleteMarker & ReportedMarker {
  return parseWithBigints<ServiceTask & DeleteMarker & ReportedMarker>(payload);
}

export function sizeOf(t: ServiceTask): { items: number; bytes: number } {
  switch (t.kind) {
    case 'copy': return { items: t.files.length, bytes: t.files.reduce((s: number, f: FileItem) => s + f.src.size, 0) };
    case 'chunk': return { items: 0, bytes: t.length };
    case 'prepare': case 'finalize': return { items: 1, bytes: 0 };
    case 'delete': return { items: t.items.length, bytes: 0 };
    case 'dirmeta': case 'scans': return { items: t.dirs.length, bytes: 0 };
    case 'link': return { items: t.links.length, bytes: 0 };
    case 'abort': return { items: t.partials.length, bytes: 0 };
    default: return { items: 1, bytes: 0 };
  }
}
