// Names of barge's own temporary files beside a destination file. A file is written
// under a temporary name and renamed at commit; large files keep a stable partial name
// (and a chunk journal) so that an interrupted copy resumes.

const TEMP_RE = /^\.barge-[0-9a-f]{16}(?:-[0-9a-z]+\.tmp|\.part|\.part\.log)$/;

export function isTempName(name: string): boolean {
  return name.startsWith('.barge-') && TEMP_RE.test(name);
}

/** FNV-1a 64-bit of the UTF-8 name: a short, stable stand-in that fits NAME_MAX for any name */
export function nameTag(name: string): string {
  let h = 0xcbf29ce484222325n;
  const bytes = new TextEncoder().encode(name);
  for (const b of bytes) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
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
