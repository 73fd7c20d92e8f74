// File names and symlink targets are bytes; barge carries them as JS strings. Bytes that
// are valid UTF-8 decode as usual; each byte of a sequence that is not becomes a lone
// surrogate U+DC80 + byte (Python's "surrogateescape"). Valid UTF-8 never decodes to a
// lone surrogate, so the string names exactly one byte string, and encoding gives those
// bytes back. JSON carries lone surrogates as \udcXX escapes, so names cross the data
// plane and the coordinator's API unchanged. Conversion happens only where bytes meet the
// file system (src/storage/posix) and where names are shown (escapePath).

const ESCAPE_BASE = 0xdc00;
const strict = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/** a lone surrogate U+DC80..U+DCFF (the `u` flag keeps a surrogate pair whole, so it never matches) */
const ESCAPED_BYTE = /[\udc80-\udcff]/u;

/** the length of the valid UTF-8 sequence at bytes[i], or 0 when none starts there */
function validSequence(bytes: Uint8Array, i: number): number {
  const b0 = bytes[i] as number;
  if (b0 < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => {
    const b = bytes[i + k];
    return b !== undefined && b >= lo && b <= hi;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    // E0: no overlongs (second byte A0..BF); ED: no surrogates (second byte 80..9F)
    const lo = b0 === 0xe0 ? 0xa0 : 0x80;
    const hi = b0 === 0xed ? 0x9f : 0xbf;
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    // F0: no overlongs (90..BF); F4: nothing above U+10FFFF (80..8F)
    const lo = b0 === 0xf0 ? 0x90 : 0x80;
    const hi = b0 === 0xf4 ? 0x8f : 0xbf;
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/** bytes as a string, losslessly: see the top of this file */
export function decodeName(bytes: Uint8Array): string {
  try {
    return strict.decode(bytes);
  } catch {
    // not valid UTF-8: the slow path, only for such names
  }
  let out = '';
  let start = 0; // the start of the run of valid sequences not yet decoded
  let i = 0;
  while (i < bytes.length) {
    const n = validSequence(bytes, i);
    if (n > 0) { i += n; continue; }
    out += strict.decode(bytes.subarray(start, i)) + String.fromCharCode(ESCAPE_BASE + (bytes[i] as number));
    i++;
    start = i;
  }
  return out + strict.decode(bytes.subarray(start));
}

/** whether a string holds bytes that are not UTF-8 (escaped by decodeName) */
export function hasEscapedBytes(s: string): boolean {
  return ESCAPED_BYTE.test(s);
}

/**
 * the bytes a string names: UTF-8, with each lone surrogate U+DC80..U+DCFF back to its
 * byte. Other lone surrogates come from no decoded name (only from hand-made input):
 * they have no bytes, and throw a RangeError naming the string.
 */
export function encodeName(s: string): Uint8Array {
  if (!/[\ud800-\udfff]/.test(s)) return encoder.encode(s);
  const parts: number[] = [];
  let start = 0;
  const flush = (end: number): void => { for (const b of encoder.encode(s.slice(start, end))) parts.push(b); };
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    const next = s.charCodeAt(i + 1);
    if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) { i++; continue; } // a pair: one character
    if (c < 0xdc80 || c > 0xdcff) throw new RangeError(`a lone surrogate U+${c.toString(16).toUpperCase()} names no bytes: ${JSON.stringify(s)}`);
    flush(i);
    parts.push(c - ESCAPE_BASE);
    start = i + 1;
  }
  flush(s.length);
  return Uint8Array.from(parts);
}

/** whether encodeName can give s bytes: false only for hand-made strings (a lone surrogate no listing makes) */
export function namesBytes(s: string): boolean {
  try {
    encodeName(s);
    return true;
  } catch {
    return false;
  }
}

/** the string for display: each escaped byte as \xNN (other characters as they are) */
export function showEscapedBytes(s: string): string {
  return s.replace(/[\udc80-\udcff]/gu, (c) => '\\x' + (c.charCodeAt(0) - ESCAPE_BASE).toString(16).padStart(2, '0'));
}

/**
 * s as text any database column holds (valid Unicode), losslessly: a database driver
 * writes a lone surrogate as U+FFFD (Postgres) or as bytes it reads back as three of them
 * (SQLite), and two names would then be one. Each escaped byte becomes the six characters
 * \udcNN, and a backslash that is followed by `u` becomes \u005c, so that every \u in the
 * result is one of the two and fromStoredText reads it back exactly. Text with neither
 * (nearly all) is stored as it is.
 */
export function toStoredText(s: string): string {
  if (!s.includes('\\u') && !hasEscapedBytes(s)) return s;
  return s.replace(/\\(?=u)/g, '\\u005c').replace(/[\udc80-\udcff]/gu, (c) => '\\u' + c.charCodeAt(0).toString(16));
}

/** what toStoredText stored, back as it was */
export function fromStoredText(t: string): string {
  if (!t.includes('\\u')) return t;
  return t.replace(/\\u(005c|dc[89a-f][0-9a-f])/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
