// Splitting a large file into chunks (file, offset, length) that can be copied in parallel.

export interface Chunk {
  index: number;
  offset: number;
  length: number;
}

export function chunksOf(size: number, chunkSize: number): Chunk[] {
  if (chunkSize <= 0) throw new RangeError('chunkSize must be positive');
  const out: Chunk[] = [];
  for (let offset = 0, index = 0; offset < size; offset += chunkSize, index++) {
    out.push({ index, offset, length: Math.min(chunkSize, size - offset) });
  }
  return out;
}

/**
 * What must not change between runs for a partial file to be resumed: the source's size,
 * mtime and hash name, and its change time where its storage gives one. A source
 * rewritten in place with its mtime put back (touch -r, a restore) keeps size and mtime;
 * only the change time, which no one can set back, tells its old chunks from its new ones.
 */
export function partialIdentity(size: number, mtimeNs: bigint, hash: string, ctimeNs?: bigint): string {
  return ctimeNs === undefined ? `${size}-${mtimeNs}-${hash}` : `${size}-${mtimeNs}-${hash}-c${ctimeNs}`;
}
