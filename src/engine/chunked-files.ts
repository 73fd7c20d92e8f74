// Large files in flight: which chunks are still out, their hashes, and when a file
// is ready to be finalized.
import { chunksOf } from '../core/chunking.js';
import type { ChunkTask, FileItem } from './task-types.js';

interface InFlight {
  file: FileItem;
  hashes: string[];
  remaining: number;
  failed: boolean;
}

export class ChunkedFiles {
  private readonly files = new Map<string, InFlight>();

  constructor(private readonly chunkSize: number) {}

  /** after prepare: the chunk tasks of a file (resumed chunks carry their recorded hash) */
  start(file: FileItem, recorded: Map<number, string>): ChunkTask[] {
    const chunks = chunksOf(file.src.size, this.chunkSize);
    this.files.set(file.rel, { file, hashes: new Array<string>(chunks.length).fill(''), remaining: chunks.length, failed: false });
    return chunks.map((c) => ({ kind: 'chunk', file, index: c.index, offset: c.offset, length: c.length, recorded: recorded.get(c.index) }));
  }

  /** a chunk is back; returns the file when its last chunk is in */
  chunkDone(rel: string, index: number, hash: string | undefined): InFlight | undefined {
    const f = this.files.get(rel);
    if (!f) return undefined;
    if (hash === undefined) f.failed = true;
    else f.hashes[index] = hash;
    f.remaining--;
    if (f.remaining > 0) return undefined;
    this.files.delete(rel);
    return f;
  }
}
