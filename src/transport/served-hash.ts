// The data plane's 'hash' call on the receiving side: a read handle's range hashed where the
// file is, in steps, so that only the digest travels (docs/protocol.md).
import { BargeError } from '../core/errors.js';
import type { FileReader } from '../storage/storage.js';
import type { Meta } from './frame-codec.js';
import * as f from './meta-fields.js';
import type { StreamHash } from './served-session.js';

/** a 'hash' call hashes at most this much before it replies (by default), so that no reply
 * takes long enough on a slow disk to look like a stalled peer; the next call goes on */
const HASH_STEP = 256 * 1024 * 1024;

interface HashInProgress {
  hash: StreamHash;
  next: number;
  end: number;
  drop: boolean;
}

/** the hashes in progress of one session's read handles */
export class RangeHashes {
  private readonly inProgress = new Map<number, HashInProgress>();

  constructor(private readonly stepBytes = HASH_STEP) {}

  /**
   * One 'hash' call. The first (which replaces any hash of the handle left unfinished)
   * names the hash, the range and whether to drop the bytes from the page cache behind
   * the read; each call hashes up to stepBytes through `buf` and replies how far it got,
   * with the digest once the range is done; the next calls give the handle only.
   */
  async step(handle: number, r: FileReader, m: Meta, newHash: () => StreamHash, buf: Buffer): Promise<Meta> {
    let p = this.inProgress.get(handle);
    if (m.offset !== undefined) {
      // a new hash replaces one the client gave up on (an interrupted run stops between steps)
      const offset = f.uint(m, 'offset');
      p = { hash: newHash(), next: offset, end: offset + f.uint(m, 'length'), drop: f.bool(m, 'drop') };
      this.inProgress.set(handle, p);
    } else if (!p) throw new BargeError('E_PROTOCOL', 'no hash of this handle is in progress: the first call gives hash, offset, length and drop');
    const stop = Math.min(p.end, p.next + this.stepBytes);
    try {
      while (p.next < stop) {
        const n = await r.read(buf, Math.min(buf.length, stop - p.next), p.next);
        if (n === 0) throw new BargeError('E_CHANGED', `file shrank while being hashed (read ${p.next} of ${p.end} bytes)`);
        p.hash.update(buf.subarray(0, n));
        if (p.drop) r.release?.(p.next, n);
        p.next += n;
        // other sessions' calls get their turn between blocks
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (e) {
      this.inProgress.delete(handle);
      throw e;
    }
    if (p.next < p.end) return { next: p.next, digest: null };
    this.inProgress.delete(handle);
    return { next: p.next, digest: p.hash.digest() };
  }

  /** the handle is closed */
  forget(handle: number): void {
    this.inProgress.delete(handle);
  }

  clear(): void {
    this.inProgress.clear();
  }
}
