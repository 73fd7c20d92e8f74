// Turns the flags of `barge submit` into the body of POST /api/requests, refusing bad
// values with a usage error that names the flag; ENDPOINT:/path arguments are parsed here too.
import { BargeError, isBargeError } from '../../core/errors.js';
import type { FilterRule } from '../../core/filter.js';
import { compileGlob } from '../../core/glob.js';
import { parseAge, parseCount, parseSize } from '../../core/units.js';
import { readFileList } from '../parse-sync-flags.js';
import type { SubmitBody, SubmitFilters } from './api-types.js';

export interface SubmitFlags {
  id?: string;
  delete?: boolean;
  maxDelete?: string;
  checksum?: boolean;
  sizeOnly?: boolean;
  ignoreExisting?: boolean;
  verify?: boolean;
  keepCache?: boolean;
  acls?: boolean;
  xattrs?: boolean;
  hash?: string;
  priority?: string;
  /** --include and --exclude in command-line order */
  filter?: FilterRule[];
  filesFrom?: string;
  minSize?: string;
  maxSize?: string;
  minAge?: string;
  maxAge?: string;
  deadline?: string;
  keepPartial?: boolean;
}

const HASHES = ['xxh3', 'sha256', 'md5'] as const;
const ENDPOINT_NAME = /^[A-Za-z0-9._-]+$/;
const CLIENT_ID = /^[A-Za-z0-9._-]{1,128}$/;

export interface EndpointPath {
  endpoint: string;
  path: string;
}

/** "panda:/a/b" or "panda:a/b" -> {endpoint: "panda", path: "/a/b"}; "panda:" is its root. */
export function parseEndpointPath(arg: string, what: string): EndpointPath {
  const colon = arg.indexOf(':');
  const endpoint = colon < 0 ? '' : arg.slice(0, colon);
  if (!ENDPOINT_NAME.test(endpoint)) throw new BargeError('E_USAGE', `bad ${what} '${arg}': expected ENDPOINT:/path`);
  const rest = arg.slice(colon + 1);
  return { endpoint, path: rest.startsWith('/') ? rest : `/${rest}` };
}

export function endpointPathText(p: EndpointPath): string {
  return `${p.endpoint}:${p.path}`;
}

/** Runs a parser and names the flag in its error: "bad age '7x'" becomes "bad --min-age '7x'". */
function withFlag<T>(flag: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (!isBargeError(e)) throw e;
    const message = e.message.includes(flag) ? e.message
      : /^bad [^']*'/.test(e.message) ? e.message.replace(/^bad [^']*'/, `bad ${flag} '`) : `${flag}: ${e.message}`;
    throw new BargeError('E_USAGE', message);
  }
}

export function parsePriority(text: string): number {
  const v = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!(v >= 1 && v <= 10)) throw new BargeError('E_USAGE', `bad --priority '${text}': expected a whole number from 1 (lowest) to 10`);
  return v;
}

function parseFilters(f: SubmitFlags): SubmitFilters | undefined {
  const filters: SubmitFilters = {};
  const rules = f.filter ?? [];
  for (const r of rules) withFlag(`--${r.kind}`, () => compileGlob(r.pattern));
  if (rules.length > 0) filters.rules = rules.map((r) => ({ kind: r.kind, pattern: r.pattern }));
  if (f.minSize !== undefined) filters.minSize = parseSize(f.minSize, '--min-size');
  if (f.maxSize !== undefined) filters.maxSize = parseSize(f.maxSize, '--max-size');
  if (f.minAge !== undefined) filters.minAge = withFlag('--min-age', () => parseAge(f.minAge as string));
  if (f.maxAge !== undefined) filters.maxAge = withFlag('--max-age', () => parseAge(f.maxAge as string));
  if (filters.minSize !== undefined && filters.maxSize !== undefined && filters.minSize > filters.maxSize) {
    throw new BargeError('E_USAGE', `--min-size ${f.minSize} is larger than --max-size ${f.maxSize}: nothing would be copied`);
  }
  if (filters.minAge !== undefined && filters.maxAge !== undefined && filters.minAge > filters.maxAge) {
    throw new BargeError('E_USAGE', `--min-age ${f.minAge} is larger than --max-age ${f.maxAge}: nothing would be copied`);
  }
  return Object.keys(filters).length > 0 ? filters : undefined;
}

/** --deadline: a time ("2027-01-31T18:00:00Z"; without a zone, this host's) or a span from now ("6h", "2d") */
export function parseDeadline(text: string, now: number): string {
  if (/^\s*\d{4}-\d\d-\d\d/.test(text)) {
    const at = Date.parse(text);
    if (Number.isNaN(at)) throw new BargeError('E_USAGE', `bad --deadline '${text}': not a time (expected e.g. 2027-01-31T18:00:00Z, or a span such as 6h)`);
    if (at <= now) throw new BargeError('E_USAGE', `bad --deadline '${text}': that time has passed`);
    return new Date(at).toISOString();
  }
  const seconds = withFlag('--deadline', () => parseAge(text));
  if (seconds <= 0) throw new BargeError('E_USAGE', `bad --deadline '${text}': must be in the future`);
  return new Date(now + seconds * 1000).toISOString();
}

/** `readList` reads --files-from (a file, or '-' for stdin); tests pass their own. */
export function buildSubmitBody(src: string, dst: string, f: SubmitFlags, readList: (path: string) => string[] = readFileList): SubmitBody {
  const body: SubmitBody = {
    source: endpointPathText(parseEndpointPath(src, 'SRC')),
    destination: endpointPathText(parseEndpointPath(dst, 'DST')),
  };
  if (f.id !== undefined) {
    if (!CLIENT_ID.test(f.id)) throw new BargeError('E_USAGE', `bad --id '${f.id}': expected 1 to 128 of A-Z a-z 0-9 . _ -`);
    body.id = f.id;
  }
  if (f.checksum && f.sizeOnly) throw new BargeError('E_USAGE', '--checksum and --size-only cannot be used together');
  if (f.maxDelete !== undefined && !f.delete) throw new BargeError('E_USAGE', '--max-delete needs --delete');
  if (f.delete) body.delete = true;
  if (f.maxDelete !== undefined) body.maxDelete = parseCount(f.maxDelete, '--max-delete');
  if (f.checksum) body.checksum = true;
  if (f.sizeOnly) body.sizeOnly = true;
  if (f.ignoreExisting) body.ignoreExisting = true;
  if (f.verify) body.verify = true;
  if (f.keepCache) body.keepCache = true;
  if (f.keepPartial) body.keepPartial = true;
  if (f.acls) body.acls = true;
  if (f.xattrs) body.xattrs = true;
  if (f.hash !== undefined) {
    const hash = HASHES.find((h) => h === f.hash?.toLowerCase());
    if (hash === undefined) throw new BargeError('E_USAGE', `bad --hash '${f.hash}': choose one of ${HASHES.join(', ')}`);
    body.hash = hash;
  }
  if (f.priority !== undefined) body.priority = parsePriority(f.priority);
  if (f.deadline !== undefined) body.deadline = parseDeadline(f.deadline, Date.now());
  const filters = parseFilters(f);
  if (filters) body.filters = filters;
  if (f.filesFrom !== undefined) {
    const from = f.filesFrom;
    const files = withFlag('--files-from', () => readList(from));
    if (files.length === 0) throw new BargeError('E_USAGE', `--files-from '${from}' lists no paths: nothing would be copied`);
    body.files = files;
  }
  return body;
}
