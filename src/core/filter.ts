// Which paths a sync considers: include/exclude rules (first match wins), an explicit
// file list, and size and age limits. Paths a filter leaves out are never copied and,
// on the destination, never deleted.
import type { Entry } from './entry.js';
import { compileGlob, globMatches, type Glob } from './glob.js';
import { namesBytes } from './name-bytes.js';

export interface FilterRule {
  kind: 'include' | 'exclude';
  pattern: string;
}

export interface FilterOptions {
  rules?: FilterRule[];
  /** relative paths; a listed directory brings its whole subtree */
  filesFrom?: string[];
  minSize?: number;
  maxSize?: number;
  /** seconds: only files at least this old */
  minAge?: number;
  /** seconds: only files at most this old */
  maxAge?: number;
}

export type ListedPathFault = 'nul' | 'absolute' | 'dotdot' | 'surrogate';

/**
 * Why a listed path (a --files-from line, an entry of a request's `files`) cannot name a
 * path under the source root, or undefined when it can. Each face words it for its users
 * (listedPathProblem for the CLI, the coordinator's submit for the API).
 */
export function listedPathFault(raw: string): ListedPathFault | undefined {
  if (raw.includes('\0')) return 'nul';
  if (raw.startsWith('/')) return 'absolute';
  if (raw.split('/').includes('..')) return 'dotdot';
  if (!namesBytes(raw)) return 'surrogate';
  return undefined;
}

/** a listed path as a message shows it: a NUL as \\0, not a byte that cuts the line short */
export function shownListedPath(raw: string): string {
  return raw.replace(/\0/g, '\\0');
}

/** why a --files-from line cannot name a path under SRC, or undefined when it can */
export function listedPathProblem(raw: string): string | undefined {
  switch (listedPathFault(raw)) {
    case 'nul': return 'has a NUL byte in it: no file name can';
    case 'absolute': return 'is absolute: list paths relative to SRC (e.g. made with cd SRC && find . ...)';
    case 'dotdot': return "has a '..' in it: list paths relative to SRC, without '..'";
    case 'surrogate': return 'holds a lone surrogate that names no bytes';
    case undefined: return undefined;
  }
}

export class PathFilter {
  private readonly rules: { kind: 'include' | 'exclude'; glob: Glob }[];
  private readonly listed: Set<string> | undefined;
  private readonly listedAncestors: Set<string> | undefined;
  /** directory -> the names the list wants in it, each with the first listed path that wants it */
  private readonly listedChildren: Map<string, Map<string, string>> | undefined;
  private readonly minSize: number;
  private readonly maxSize: number;
  private readonly newestNs: bigint | undefined;
  private readonly oldestNs: bigint | undefined;

  constructor(opts: FilterOptions, nowNs: bigint) {
    this.rules = (opts.rules ?? []).map((r) => ({ kind: r.kind, glob: compileGlob(r.pattern) }));
    if (opts.filesFrom) {
      this.listed = new Set();
      this.listedAncestors = new Set(['']);
      this.listedChildren = new Map();
      for (const raw of opts.filesFrom) {
        // "./a//b/./c/" -> "a/b/c": lists made with find . work as they are
        const p = raw.split('/').filter((part) => part !== '' && part !== '.').join('/');
        if (p === '' || p === '.') { this.listed.add(''); continue; }
        if (this.listed.has(p)) continue;
        this.listed.add(p);
        let parent = '';
        for (let i = p.indexOf('/'), from = 0; ; i = p.indexOf('/', i + 1)) {
          const name = p.slice(from, i < 0 ? undefined : i);
          let names = this.listedChildren.get(parent);
          if (!names) this.listedChildren.set(parent, (names = new Map<string, string>()));
          if (!names.has(name)) names.set(name, p);
          if (i < 0) break;
          parent = p.slice(0, i);
          this.listedAncestors.add(parent);
          from = i + 1;
        }
      }
    }
    this.minSize = opts.minSize ?? 0;
    this.maxSize = opts.maxSize ?? Infinity;
    this.newestNs = opts.minAge === undefined ? undefined : nowNs - BigInt(Math.round(opts.minAge * 1e9));
    this.oldestNs = opts.maxAge === undefined ? undefined : nowNs - BigInt(Math.round(opts.maxAge * 1e9));
  }

  get isEmpty(): boolean {
    return this.rules.length === 0 && !this.listed && this.minSize === 0 && this.maxSize === Infinity &&
      this.newestNs === undefined && this.oldestNs === undefined;
  }

  /** True when the entry at relPath takes part in the sync. */
  accepts(relPath: string, e: Entry, insideListedDir: boolean): boolean {
    const isDir = e.type === 'dir';
    for (const r of this.rules) {
      if (globMatches(r.glob, relPath, e.name, isDir)) {
        if (r.kind === 'exclude') return false;
        break;
      }
    }
    // a listed '.' is the whole tree
    if (this.listed && !insideListedDir && !this.listed.has('') && !this.listed.has(relPath) && !(isDir && this.listedAncestors?.has(relPath))) return false;
    if (e.type === 'file') {
      if (e.size < this.minSize || e.size > this.maxSize) return false;
      if (this.newestNs !== undefined && e.mtimeNs > this.newestNs) return false;
      if (this.oldestNs !== undefined && e.mtimeNs < this.oldestNs) return false;
    }
    return true;
  }

  /**
   * The names the file list wants in directory `dir` that it does not hold: [path, the
   * listed path wanting it]; and, with a third element naming its type, a name it holds
   * that is no directory while the list wants paths below it (a symlink: barge does not
   * follow one in a listed path, so they cannot be reached).
   */
  missingListed(dir: string, present: readonly { name: string; type: string }[]): [string, string, string?][] {
    const wanted = this.listedChildren?.get(dir);
    if (!wanted) return [];
    const byName = new Map(present.map((e) => [e.name, e]));
    const out: [string, string, string?][] = [];
    for (const [name, listedAs] of wanted) {
      const path = dir === '' ? name : `${dir}/${name}`;
      const e = byName.get(name);
      if (!e) out.push([path, listedAs]);
      else if (e.type !== 'dir' && this.listedChildren?.has(path)) out.push([path, listedAs, e.type]);
    }
    return out;
  }

  /** True when everything below relPath is wanted by the file list (or there is no list). */
  coversSubtree(relPath: string): boolean {
    return !this.listed || this.listed.has('') || this.listed.has(relPath);
  }
}
