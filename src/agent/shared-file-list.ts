// A request's file list (up to a million paths) crosses to the task threads once, as
// shared memory, instead of being copied with every task's message.
import { decodeName, encodeName } from '../core/name-bytes.js';

/** a file list as shared bytes, and back (paths hold no NUL: the coordinator refuses them) */
export function shareFileList(files: readonly string[]): SharedArrayBuffer {
  // the names' own bytes, those that are not UTF-8 included (name-bytes.ts)
  const bytes = encodeName(files.join('\0'));
  const shared = new SharedArrayBuffer(bytes.length);
  new Uint8Array(shared).set(bytes);
  return shared;
}

export function sharedFileList(shared: SharedArrayBuffer): string[] {
  if (shared.byteLength === 0) return [];
  // TextDecoder does not read shared memory: one copy into this thread's own
  return decodeName(new Uint8Array(shared).slice()).split('\0');
}
