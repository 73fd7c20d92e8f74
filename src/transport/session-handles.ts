// The read and write handles one data-plane session has open, by number. The server
// numbers handles from 1; a client may choose the number of a chunk write it opens
// (from CLIENT_HANDLE_MIN up), so that it can stream the chunk's bytes right behind the
// open instead of waiting a round trip for the number. Such an open that fails is kept
// under its number until the client closes it: the writes already on their way are
// dropped, and the close answers with the open's failure.
import { BargeError } from '../core/errors.js';
import type { ChunkWriter, FileReader, FileWriter } from '../storage/storage.js';
import type { SerialWrites } from './serial-writes.js';

/** the numbers a client may choose: [2^31, 2^32); the server's own stay below */
export const CLIENT_HANDLE_MIN = 2 ** 31;
const CLIENT_HANDLE_MAX = 2 ** 32 - 1;
/** failed opens kept for their close; past this many the oldest is forgotten (its late writes then fail one by one) */
const FAILED_OPENS_KEPT = 1024;

/** a streaming hash, supplied by whoever wires the server (the engine's hashers) */
export interface StreamHash {
  update(bytes: Buffer): void;
  digest(): string;
}

export interface WriteHandle {
  kind: 'file' | 'chunk';
  /** a whole file's declared size: every byte of [0, size) must have arrived */
  size: number | undefined;
  path: string;
  writer: FileWriter | ChunkWriter;
  hash: StreamHash;
  /** where the first byte landed: with `next`, the range the running hash covers */
  start: number | undefined;
  /** where the next byte must land for the running hash to cover the bytes in order */
  next: number | undefined;
  ordered: boolean;
  failed: BargeError | undefined;
  /** its detached writes, one at a time (made on the first) */
  serial?: SerialWrites;
}

export class SessionHandles {
  readonly writers = new Map<number, WriteHandle>();
  readonly readers = new Map<number, FileReader>();
  private readonly failedOpens = new Map<number, BargeError>();
  private next = 1;

  /** a number of the server's own */
  fresh(): number {
    return this.next++;
  }

  /**
   * The number a client chose for the write it opens. One out of range is E_PROTOCOL. One
   * that is in use is too, and the write already open under it fails as well: bytes meant
   * for the one could land in the other, and neither may then pass its check.
   */
  chosen(value: unknown): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < CLIENT_HANDLE_MIN || value > CLIENT_HANDLE_MAX) {
      throw new BargeError('E_PROTOCOL', `a handle the client chooses must be an integer from ${CLIENT_HANDLE_MIN} to ${CLIENT_HANDLE_MAX}, not ${String(value)}`);
    }
    if (this.writers.has(value) || this.readers.has(value) || this.failedOpens.has(value)) {
      const clash = new BargeError('E_PROTOCOL', `handle ${value} is already open`);
      const h = this.writers.get(value);
      if (h) h.failed ??= clash;
      throw clash;
    }
    return value;
  }

  /** an open under a chosen number failed: its writes are dropped, its close answers `e` */
  openFailed(id: number, e: unknown): void {
    if (this.failedOpens.size >= FAILED_OPENS_KEPT) this.failedOpens.delete(this.failedOpens.keys().next().value as number);
    this.failedOpens.set(id, e instanceof BargeError ? e : new BargeError('E_IO', e instanceof Error ? e.message : String(e)));
  }

  /** whether `id` names an open that failed (its writes are dropped) */
  hasFailedOpen(id: number): boolean {
    return this.failedOpens.has(id);
  }

  /** the failure of the open under `id`, forgotten now (its close or abort reports it) */
  takeFailedOpen(id: number): BargeError | undefined {
    const e = this.failedOpens.get(id);
    this.failedOpens.delete(id);
    return e;
  }

  writer(id: number): WriteHandle {
    const h = this.writers.get(id);
    if (h) return h;
    throw this.takeFailedOpen(id) ?? new BargeError('E_PROTOCOL', `no open write handle ${id}`);
  }

  reader(id: number): FileReader {
    const r = this.readers.get(id);
    if (!r) throw new BargeError('E_PROTOCOL', `no open read handle ${id}`);
    return r;
  }

  clear(): void {
    this.writers.clear();
    this.readers.clear();
    this.failedOpens.clear();
  }
}
