// Streaming hashes of copied bytes: XXH3-64 (default, ~19 GB/s here), SHA-256 or MD5.
// The one-shot xxh3 functions of @node-rs/xxhash measured 12x slower than its streaming
// class, so even whole small files go through a reused streaming state.
import { createRequire } from 'node:module';
import type { Hash } from 'node:crypto';
import type { HashName } from '../core/sync-options.js';

// Both load through require: @node-rs/xxhash is CommonJS, and importing it as ESM costs
// every thread ~12 ms more (its loader is parsed for named exports); node:crypto loads
// only for --hash sha256|md5, another ~10 ms per thread otherwise.
const require = createRequire(import.meta.url);
const { xxh3 } = require('@node-rs/xxhash') as typeof import('@node-rs/xxhash');
let createHash: typeof import('node:crypto').createHash | undefined;
function hashOf(algo: 'sha256' | 'md5'): Hash {
  createHash ??= (require('node:crypto') as typeof import('node:crypto')).createHash;
  return createHash(algo);
}

export interface Hasher {
  reset(): void;
  update(bytes: Buffer): void;
  /** lower-case hex */
  digest(): string;
}

class Xxh3Hasher implements Hasher {
  private readonly state = xxh3.Xxh3.withSeed();
  reset(): void { this.state.reset(); }
  update(bytes: Buffer): void { this.state.update(bytes); }
  digest(): string { return this.state.digest().toString(16).padStart(16, '0'); }
}

class CryptoHasher implements Hasher {
  private h: Hash;
  constructor(private readonly algo: 'sha256' | 'md5') { this.h = hashOf(algo); }
  reset(): void { this.h = hashOf(this.algo); }
  update(bytes: Buffer): void { this.h.update(bytes); }
  digest(): string { return this.h.digest('hex'); }
}

export function createHasher(name: HashName): Hasher {
  return name === 'xxh3' ? new Xxh3Hasher() : new CryptoHasher(name);
}

/** A chunked file's hash: the chosen hash over its chunk hashes in order. */
export function combineChunkHashes(name: HashName, hashes: string[]): string {
  const h = createHasher(name);
  for (const x of hashes) h.update(Buffer.from(x, 'hex'));
  return h.digest();
}
