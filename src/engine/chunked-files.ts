// Large files in flight: their chunks, handed out a few at a time per file, the hashes
// that came back, and when a file is ready to be finalized.
//
// One chunk of a file at a time on a local disk: writes into one file serialize on its inode lock;
// 4 x 1 GiB with 2 threads measured 3.0-4.2 s with a file's chunks in parallel and
// 2.9-3.3 s with one writer per file. Several files still go in parallel, and the chunks
// keep their purpose: resuming an interrupted copy. (A whole-file copy into an unnamed
// O_TMPFILE inode measured 1.9-2.2 s, but an unnamed file cannot be resumed.) Across the
// data plane each chunk in flight is its own TCP stream, and several make up for the
// window of one stream on a long link.
import { chunkTasks } from '../core/chunk-plan.js';
import type { ChunkTask, FileItem } from '../core/task-types.js';

interface InFlight {
  file: FileItem;
  owner: string | undefined;
  queue: ChunkTask[];
  busy: number;
  hashes: string[];
  remaining: number;
  failed: boolean;
}

export class ChunkedFiles {
  private readonly files = new Map<string, InFlight>();

  constructor(private readonly chunkSize: number, private readonly perFile = 1) {}

  /** after prepare: queue a file's chunks (resumed chunks carry their recorded hash) */
  start(file: FileItem, recorded: Map<number, string>, owner?: string): void {
    const queue = chunkTasks(file, this.chunkSize, recorded, owner);
    this.files.set(file.rel, { file, owner, queue, busy: 0, hashes: new Array<string>(queue.length).fill(''), remaining: queue.length, failed: false });
  }

  /**
   * the next chunk of the file with the most chunks left among those with fewer than
   * perFile in flight, so that the files finish together rather than one alone at the
   * end; with `spare` (when there is no other work) of any file: a thread that would
   * idle helps with a file another thread is writing
   */
  next(spare = false): ChunkTask | undefined {
    let best: InFlight | undefined;
    let any: InFlight | undefined;
    for (const f of this.files.values()) {
      if (f.queue.length === 0) continue;
      if (f.busy < this.perFile && (!best || f.queue.length > best.queue.length)) best = f;
      if (!any || f.queue.length > any.queue.length) any = f;
    }
    const f = best ?? (spare ? any : undefined);
    return f ? this.take(f) : undefined;
  }

  private take(f: InFlight): ChunkTask | undefined {
    f.busy++;
    return f.queue.shift();
  }

  /** a chunk of this file failed already (its other chunks' failures are the same failure) */
  hasFailed(rel: string): boolean {
    return this.files.get(rel)?.failed === true;
  }

  /** a chunk is back; returns the file when its last chunk is in */
  chunkDone(rel: string, index: number, hash: string | undefined): { file: FileItem; owner: string | undefined; hashes: string[]; failed: boolean } | undefined {
    const f = this.files.get(rel);
    if (!f) return undefined;
    f.busy--;
    if (hash === undefined) {
      // the rest of the file would be copied for nothing: its partial stays for the next run
      f.failed = true;
      f.remaining -= f.queue.length;
      f.queue = [];
    } else f.hashes[index] = hash;
    f.remaining--;
    if (f.remaining > 0) return undefined;
    this.files.delete(rel);
    return f;
  }

  /** files with chunks not yet handed out (when the run stops early) */
  unfinished(): string[] {
    return [...this.files.values()].filter((f) => f.queue.length > 0).map((f) => f.file.rel);
  }
}
