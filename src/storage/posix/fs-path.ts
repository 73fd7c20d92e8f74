// Where barge's names (strings) meet the file system's (bytes): a name that holds bytes
// that are not UTF-8 (escaped as lone surrogates, see src/core/name-bytes.ts) is handed
// to fs and to the addon as a Buffer of those bytes; every other path stays a string.
import { decodeName, encodeName } from '../../core/name-bytes.js';
import { BargeError } from '../../core/errors.js';

/** what fs calls and the addon take as a path */
export type FsPath = string | Buffer;

const SURROGATE = /[\ud800-\udfff]/;

/** s as a path: a string when it is plain text (the common case, one regex test), else its bytes */
export function fsPath(s: string): FsPath {
  if (!SURROGATE.test(s)) return s;
  let bytes: Uint8Array;
  try {
    bytes = encodeName(s);
  } catch (e) {
    // a lone surrogate no listing gave (hand-made input): there are no bytes to name
    throw new BargeError('E_NAME', `not a name barge can give bytes to: ${(e as Error).message}`);
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** a name or link target as the addon or fs gave it (a Buffer when not UTF-8) as barge's string */
export function nameOf(v: string | Buffer): string {
  return typeof v === 'string' ? v : decodeName(v);
}
