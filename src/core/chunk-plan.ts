// A large file's way through the chunk tasks: whether it takes them, what follows its
// prepare task, its chunk tasks, and the finalize task once every chunk's hash is in.
import { chunksOf } from './chunking.js';
import type { ChunkTask, FileItem, FinalizeChunkedTask, TaskResult } from './task-types.js';

/** files at or above the cutoff are copied as chunks, which can be resumed (unless their partial's name is taken) */
export function takesChunks(f: FileItem, chunkCutoff: number): boolean {
  return f.src.size >= chunkCutoff && f.whole !== true;
}

/**
 * What a prepare task's result leads to: nothing more when it failed, or when it found the
 * destination already equal (--checksum); else the chunks.
 */
export function prepareOutcome(r: TaskResult): 'failed' | 'equal' | 'chunks' {
  if (r.errors.length > 0) return 'failed';
  if (r.landed) return 'equal';
  return 'chunks';
}

/** a prepared file's chunk tasks; chunks an earlier run recorded carry their hash, to be checked and kept */
export function chunkTasks(file: FileItem, chunkSize: number, recorded: ReadonlyMap<number, string>, owner?: string): ChunkTask[] {
  return chunksOf(file.src.size, chunkSize).map((c) => ({
    kind: 'chunk', file, index: c.index, offset: c.offset, length: c.length, recorded: recorded.get(c.index), ...(owner === undefined ? {} : { owner }),
  }));
}

/** once all chunk hashes are in: commit the file under its final name */
export function finalizeTask(file: FileItem, chunkHashes: string[], owner?: string): FinalizeChunkedTask {
  return { kind: 'finalize', file, chunkHashes, ...(owner === undefined ? {} : { owner }) };
}
