// The `hsi -q ls -P` line format of HPSS-like tools: where an archived file sits on tape.
// `FILE <path> <size> <size> <section>+<offset> <volume> …`; the sim prints it, the command
// driver parses it. A line is matched to a path asked for, since paths may hold spaces.
import { BargeError, toErrorRecord } from '../../core/errors.js';
import type { LocateFailure, StageLocation } from '../stager.js';

/** sections and offsets fold into one ordered number: offset below 2^36 (64 GiB), section above */
const SECTION_SPAN = 2 ** 36;

/** one ls -P line for a file: the sim's output, in the shape the command driver parses */
export function formatLsP(archivePath: string, size: number, section: number, offset: number, volume: string): string {
  return `FILE\t${archivePath}\t${size}\t${size}\t${section}+${offset}\t${volume}\t0\t1\t1`;
}

/** a section and offset as one number that orders as the tape does */
export function foldPosition(section: number, offset: number): number {
  return section * SECTION_SPAN + offset;
}

/** a `section+offset` token as one ordered position; the first of a comma list (a file spanning tapes) */
export function parsePosition(token: string): number | undefined {
  const m = /^(\d+)\+(\d+)(?:,\d+\+\d+)*$/.exec(token);
  if (!m) return undefined;
  const section = Number(m[1]);
  const offset = Number(m[2]);
  if (offset >= SECTION_SPAN) return undefined;
  const position = foldPosition(section, offset);
  return Number.isSafeInteger(position) ? position : undefined;
}

function malformed(path: string, line: string, why: string): LocateFailure {
  const e = new BargeError('E_ARCHIVE', `malformed ls -P line (${why}): ${JSON.stringify(line)}`, { path, retryable: false });
  return { path, error: toErrorRecord(e, path) };
}

/** the fields after the path: size, size, section+offset, volume(s) */
function parseFields(path: string, rest: string, line: string): StageLocation | LocateFailure {
  const f = rest.trim().split(/\s+/);
  if (f.length < 4) return malformed(path, line, `expected size, size, section+offset and volume after the path, got ${f.length} field(s)`);
  const [sizeText = '', , positionText = '', volumeText = ''] = f;
  if (!/^\d+$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) return malformed(path, line, `size ${JSON.stringify(sizeText)} is not a byte count`);
  const position = parsePosition(positionText);
  if (position === undefined) return malformed(path, line, `position ${JSON.stringify(positionText)} is not SECTION+OFFSET`);
  // a file spanning tapes lists its volumes with commas: it is staged with its first
  const volume = volumeText.split(',')[0] ?? '';
  if (!/^[A-Za-z0-9._-]+$/.test(volume)) return malformed(path, line, `volume ${JSON.stringify(volumeText)} is not a tape id`);
  return { path, volume, position, size: Number(sizeText) };
}

/**
 * Answers for `asked` (archive paths, in that order) from a tool's ls -P output. A path with
 * no good line gets a failure: naming its malformed line, or saying none was printed (with
 * the lines that could not be matched to any path, so a garbled one is not lost).
 */
export function parseLsP(output: string, asked: readonly string[]): Array<StageLocation | LocateFailure> {
  const found = new Map<string, StageLocation | LocateFailure>();
  // longest first: "/a/b c" must win over "/a/b" for the line "FILE /a/b c 12 …"
  const byLength = [...new Set(asked)].sort((a, b) => b.length - a.length);
  const unmatched: string[] = [];
  for (const raw of output.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const head = /^FILE[ \t]+/.exec(line);
    if (!head) continue; // DIRECTORY lines, banners, blank lines
    const body = line.slice(head[0].length);
    const path = byLength.find((p) => body.startsWith(p) && /^[ \t]/.test(body.slice(p.length)));
    if (path === undefined) { unmatched.push(line); continue; }
    if (!found.has(path)) found.set(path, parseFields(path, body.slice(path.length), line));
  }
  return asked.map((path) => found.get(path) ?? missing(path, unmatched));
}

function missing(path: string, unmatched: readonly string[]): LocateFailure {
  const also = unmatched.length === 0 ? '' : `; lines matching no path asked for: ${unmatched.slice(0, 3).map((l) => JSON.stringify(l)).join(', ')}`;
  const e = new BargeError('E_ARCHIVE', `the archive printed no FILE line for it${also}`, { path, retryable: false });
  return { path, error: toErrorRecord(e, path) };
}

export function isLocated(a: StageLocation | LocateFailure): a is StageLocation {
  return !('error' in a);
}
