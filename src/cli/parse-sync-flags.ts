// Turns the flags of `barge sync` into SyncOptions, refusing bad values with a clear line.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { BargeError } from '../core/errors.js';
import { listedPathProblem, shownListedPath, type FilterRule } from '../core/filter.js';
import { compileGlob } from '../core/glob.js';
import { decodeName } from '../core/name-bytes.js';
import { DEFAULT_CHUNK_CUTOFF, DEFAULT_CHUNK_SIZE, defaultSyncOptions, HASH_NAMES, isHashName, type SyncOptions } from '../core/sync-options.js';
import { parseAge, parseCount, parseRate, parseSize } from '../core/units.js';

export interface SyncFlags {
  checksum?: boolean;
  sizeOnly?: boolean;
  ignoreExisting?: boolean;
  delete?: boolean;
  maxDelete?: string;
  hardLinks?: boolean;
  acls?: boolean;
  xattrs?: boolean;
  sparse?: boolean;
  owner?: boolean;
  filter?: FilterRule[];
  filesFrom?: string;
  minSize?: string;
  maxSize?: string;
  minAge?: string;
  maxAge?: string;
  dryRun?: boolean;
  hash?: string;
  verify?: boolean;
  fsync?: boolean;
  keepCache?: boolean;
  transfers?: string;
  bwlimit?: string;
  chunkSize?: string;
  chunkCutoff?: string;
}


/** --streams: TCP streams to a barge:// destination (each a sending thread); 1 locally */
export function parseStreams(text: string | undefined, remote: boolean, transfers: number): number {
  if (!remote) {
    if (text !== undefined) throw new BargeError('E_USAGE', '--streams is for barge:// destinations');
    return 1;
  }
  return text === undefined ? Math.max(4, transfers) : Math.min(64, parseCount(text, '--streams', 1));
}

export function defaultTransfers(): number {
  return Math.max(2, Math.min(16, availableParallelism()));
}

/** commander collects --include and --exclude into one list, in command-line order */
export function collectRule(into: FilterRule[], kind: FilterRule['kind']) {
  return (pattern: string): FilterRule[] => {
    compileGlob(pattern); // a bad pattern fails now, with its text
    into.push({ kind, pattern });
    return into;
  };
}

export function readFileList(path: string): string[] {
  let text: string;
  try {
    // bytes that are not UTF-8 stay those bytes: the names they list are carried as bytes
    text = decodeName(readFileSync(path === '-' ? 0 : path));
  } catch (e) {
    const why = e instanceof Error && 'code' in e ? String((e as { code: unknown }).code) : String(e);
    throw new BargeError('E_BAD_INPUT', `cannot read --files-from '${path}': ${why}`);
  }
  const out: string[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).replace(/\r$/, '');
    // as rsync: lines starting with '#' or ';' are comments
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const problem = listedPathProblem(line);
    if (problem) throw new BargeError('E_USAGE', `--files-from '${path}' line ${i + 1}: '${shownListedPath(line)}' ${problem}`);
    out.push(line);
  }
  return out;
}

export function parseSyncFlags(f: SyncFlags, isRoot: boolean): SyncOptions {
  if ([f.checksum, f.sizeOnly].filter(Boolean).length > 1) {
    throw new BargeError('E_USAGE', '--checksum and --size-only cannot be used together');
  }
  const hash = (f.hash ?? 'xxh3').toLowerCase();
  if (!isHashName(hash)) throw new BargeError('E_USAGE', `bad --hash '${f.hash}': choose one of ${HASH_NAMES.join(', ')}`);
  const chunkSize = f.chunkSize === undefined ? DEFAULT_CHUNK_SIZE : parseSize(f.chunkSize, '--chunk-size');
  if (chunkSize < 64 * 1024) throw new BargeError('E_USAGE', `bad --chunk-size '${f.chunkSize}': must be at least 64K`);
  const chunkCutoff = f.chunkCutoff === undefined ? DEFAULT_CHUNK_CUTOFF : parseSize(f.chunkCutoff, '--chunk-cutoff');
  if (chunkCutoff < 1) throw new BargeError('E_USAGE', `bad --chunk-cutoff '${f.chunkCutoff}': must be above zero`);
  const filter: SyncOptions['filter'] = { rules: f.filter ?? [] };
  if (f.filesFrom !== undefined) filter.filesFrom = readFileList(f.filesFrom);
  if (f.minSize !== undefined) filter.minSize = parseSize(f.minSize, '--min-size');
  if (f.maxSize !== undefined) filter.maxSize = parseSize(f.maxSize, '--max-size');
  if (f.minAge !== undefined) filter.minAge = parseAge(f.minAge);
  if (f.maxAge !== undefined) filter.maxAge = parseAge(f.maxAge);
  if (filter.minSize !== undefined && filter.maxSize !== undefined && filter.minSize > filter.maxSize) {
    throw new BargeError('E_USAGE', `--min-size ${f.minSize} is larger than --max-size ${f.maxSize}: nothing would be copied`);
  }
  if (f.maxDelete !== undefined && !f.delete) throw new BargeError('E_USAGE', '--max-delete needs --delete');
  return defaultSyncOptions({
    compare: f.checksum ? 'checksum' : f.sizeOnly ? 'size-only' : 'quick',
    ignoreExisting: f.ignoreExisting ?? false,
    delete: f.delete ?? false,
    maxDelete: f.maxDelete === undefined ? undefined : parseCount(f.maxDelete, '--max-delete'),
    hardLinks: f.hardLinks ?? false,
    acls: f.acls ?? false,
    xattrs: f.xattrs ?? false,
    sparse: f.sparse ?? false,
    preserveOwner: (f.owner ?? true) && isRoot,
    dryRun: f.dryRun ?? false,
    hash,
    verify: f.verify ?? false,
    fsync: f.fsync ?? false,
    keepCache: f.keepCache ?? false,
    transfers: f.transfers === undefined ? defaultTransfers() : Math.min(256, parseCount(f.transfers, '--transfers', 1)),
    bwlimit: f.bwlimit === undefined ? undefined : parseRate(f.bwlimit),
    chunkSize, chunkCutoff, filter,
  });
}
