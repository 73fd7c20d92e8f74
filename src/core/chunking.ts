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

/** what must not change between runs for a partial file to be resumed */
export function partialIdentity(size: number, mtimeNs: bigint, hash: string): string {
  return `${size}-${mtimeNs}-${hash}`;
}
