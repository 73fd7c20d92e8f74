// The agent's side of write-many: a directory's new small files from one call, each
// checked against the hash the sender read before any is written.
import { joinRel } from '../core/entry.js';
import { BargeError } from '../core/errors.js';
import type { ManyWrite, MetaChoice, Storage } from '../storage/storage.js';
import type { StreamHash } from './served-session.js';

/** the bytes that arrived must hash to what the sender read, or nothing of them is taken */
export function checkSentHash(got: string, sent: string, path: string): void {
  if (got !== sent) throw new BargeError('E_CHECKSUM', `received bytes hash to ${got}, the sender read ${sent}`, { path });
}

/** a file of the call: its sentHash is required here (the agent takes no file it cannot check) */
export type ManyFile = ManyWrite & { sentHash: string };

/**
 * New small files of `dir` (a path already checked against the session's base). One file
 * whose bytes do not hash to its sentHash fails the call (the sender then sends each file
 * on its own, and the one that arrives wrong again fails alone, named). `checkName` is the
 * session's path check; a name must also be one plain part.
 */
export async function writeManyServed(s: Storage, dir: string, files: readonly ManyFile[], data: Buffer, choice: MetaChoice,
  newHash: () => StreamHash, checkName: (name: string) => string): Promise<boolean[]> {
  for (const w of files) {
    const rel = checkName(w.name);
    if (w.name === '' || w.name.includes('/')) throw new BargeError('E_PATH_ESCAPE', `not a plain file name: ${JSON.stringify(w.name)}`, { path: rel });
    const hash = newHash();
    hash.update(data.subarray(w.offset, w.offset + w.length));
    checkSentHash(hash.digest(), w.sentHash, joinRel(dir, w.name));
  }
  if (s.writeMany) return s.writeMany(dir, files, data, choice);
  const done: boolean[] = [];
  for (const w of files) {
    done.push(s.writeWhole ? await s.writeWhole(joinRel(dir, w.name), data.subarray(w.offset, w.offset + w.length), w.meta, choice) : false);
  }
  return done;
}
