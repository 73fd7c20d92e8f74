// Names of barge's own temporary files beside a destination file. A file is written
// under a temporary name and renamed at commit; large files keep a stable partial name
// (and a chunk journal) so that an interrupted copy resumes.

const TEMP_RE = /^\.barge-[0-9a-f]{16}(?:-[0-9a-z]+\.tmp|\.part|\.part\.log)$/;

export function isTempName(name: string): boolean {
  return name.startsWith('.barge-') && TEMP_RE.test(name);
}

/** Two 32-bit FNV-1a hashes of the name's UTF-16 units: a short, stable stand-in that
 * fits NAME_MAX for any name (BigInt arithmetic here cost microseconds per file) */
export function nameTag(name: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

let seq = 0;
export function tempNameFor(name: string): string {
  seq = (seq + 1) % 0x7fffffff;
  return `.barge-${nameTag(name)}-${seq.toString(36)}${Math.floor(Math.random() * 36 ** 4).toString(36)}.tmp`;
}

export function partialNameFor(name: string): string {
  return `.barge-${nameTag(name)}.part`;
}

export function journalNameFor(name: string): string {
  return `.barge-${nameTag(name)}.part.log`;
}
