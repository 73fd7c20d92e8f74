// The tasks of a service request (the engine's tasks) as stored in the queue: JSON that
// keeps bigints, with the files and bytes each covers.
import { parseWithBigints, stringifyWithBigints } from '../core/json-bigint.js';
import type { FileItem, Task } from '../core/task-types.js';
import type { NewTask } from '../state/state-store.js';

/** a delete batch that clears the way for source entries (deferred replaces) */
export interface DeleteMarker {
  deferred?: boolean;
}

export type ServiceTask = Task;

export function encodeTask(t: ServiceTask & DeleteMarker, phase: number, extra: { groupKey?: string; notBefore?: number } = {}): NewTask {
  const { items, bytes } = sizeOf(t);
  return { kind: t.kind, phase, payload: stringifyWithBigints(t), items, bytes, ...extra };
}

export function decodeTask(payload: string): ServiceTask & DeleteMarker {
  return parseWithBigints<ServiceTask & DeleteMarker>(payload);
}

export function sizeOf(t: ServiceTask): { items: number; bytes: number } {
  switch (t.kind) {
    case 'copy': return { items: t.files.length, bytes: t.files.reduce((s: number, f: FileItem) => s + f.src.size, 0) };
    case 'chunk': return { items: 0, bytes: t.length };
    case 'prepare': case 'finalize': return { items: 1, bytes: 0 };
    case 'delete': return { items: t.items.length, bytes: 0 };
    case 'dirmeta': return { items: t.dirs.length, bytes: 0 };
    case 'link': return { items: t.links.length, bytes: 0 };
    case 'abort': return { items: t.partials.length, bytes: 0 };
    default: return { items: 1, bytes: 0 };
  }
}
