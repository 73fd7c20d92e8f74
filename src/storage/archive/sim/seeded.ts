// Seeded randomness for the tape simulator: the same seed gives the same placement and faults.
import { createHash } from 'node:crypto';

/** mulberry32: a small, fast generator of numbers in [0, 1) from a 32-bit seed */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** a number in [0, 1) fixed by the seed and the parts alone, so a decision does not depend on the order of events */
export function seededFraction(seed: number, ...parts: Array<string | number>): number {
  const h = createHash('sha256').update(`${seed}|${parts.join('|')}`).digest();
  return h.readUIntBE(0, 6) / 2 ** 48;
}
