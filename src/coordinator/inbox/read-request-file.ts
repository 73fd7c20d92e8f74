// Reads one request file of the inbox, as untrusted input: a regular file only (a symlink
// could point anywhere this process may read), no larger than the limit, parsed as JSON or
// TOML by its extension. Whatever is wrong is an E_BAD_INPUT naming the problem.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { parse as parseToml, TomlDate } from 'smol-toml';
import { BargeError } from '../../core/errors.js';
import { formatBytes } from '../../core/units.js';

export interface RequestFile {
  /** the parsed document, not yet checked against the request schema */
  value: unknown;
  /** SHA-256 of the file's bytes, hex */
  sha256: string;
}

/** TOML dates are objects; the schema wants the text the API takes (deadline = 2026-01-01T00:00:00Z) */
function tomlDatesToText(v: unknown): unknown {
  if (v instanceof TomlDate || v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(tomlDatesToText);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, tomlDatesToText(x)]));
  return v;
}

function parse(name: string, text: string): unknown {
  const lower = name.toLowerCase();
  if (lower.endsWith('.json')) {
    try { return JSON.parse(text); } catch (e) {
      throw new BargeError('E_BAD_INPUT', `${name}: not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (lower.endsWith('.toml')) {
    try { return tomlDatesToText(parseToml(text)); } catch (e) {
      throw new BargeError('E_BAD_INPUT', `${name}: not valid TOML: ${e instanceof Error ? e.message.split('\n')[0] ?? '' : String(e)}`);
    }
  }
  throw new BargeError('E_BAD_INPUT', `${name}: a request file is named *.json or *.toml`);
}

/** ENOENT when the file went away meanwhile (the caller forgets it); BargeError for a bad file */
export function readRequestFile(file: string, name: string, maxBytes: number): RequestFile {
  // O_NOFOLLOW: a symlink fails (ELOOP) instead of being read; O_NONBLOCK: a FIFO does not hang the loop
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new BargeError('E_BAD_INPUT', `${name}: a symbolic link, not a request file`);
    if (code === 'EISDIR') throw new BargeError('E_BAD_INPUT', `${name}: a directory, not a request file`);
    throw e;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new BargeError('E_BAD_INPUT', `${name}: not a regular file`);
    if (st.size > maxBytes) {
      throw new BargeError('E_BAD_INPUT', `${name}: ${formatBytes(st.size)} (${st.size} bytes) is larger than the inbox's max_size of ${formatBytes(maxBytes)}`);
    }
    // read at most one byte past the limit: a file that grew since the stat is refused too
    const buf = Buffer.alloc(st.size + 1);
    let got = 0;
    for (;;) {
      const n = fs.readSync(fd, buf, got, buf.length - got, got);
      if (n === 0) break;
      got += n;
      if (got > maxBytes || got === buf.length) break;
    }
    if (got > maxBytes || got > st.size) throw new BargeError('E_BAD_INPUT', `${name}: grew while it was read (larger than the inbox's max_size, or still being written)`);
    const bytes = buf.subarray(0, got);
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
    let decoded: string;
    try { decoded = text.decode(bytes); } catch { throw new BargeError('E_BAD_INPUT', `${name}: not UTF-8 text`); }
    return { value: parse(name, decoded), sha256: createHash('sha256').update(bytes).digest('hex') };
  } finally {
    fs.closeSync(fd);
  }
}
