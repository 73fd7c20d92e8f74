// Which paths a sync considers: include/exclude rules (first match wins), an explicit
// file list, and size and age limits. Paths a filter leaves out are never copied and,
// on the destination, never deleted.
import type { Entry } from './entry.js';
import { compileGlob, globMatches, type Glob } from './glob.js';

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

export class PathFilter {
  private readonly rules: { kind: 'include' | 'exclude'; glob: Glob }[];
  private readonly listed: Set<string> | undefined;
  private readonly listedAncestors: Set<string> | undefined;
  private readonly minSize: number;
  private readonly maxSize: number;
  private readonly newestNs: bigint | undefined;
  private readonly oldestNs: bigint | undefined;

  constructor(opts: FilterOptions, nowNs: bigint) {
    this.rules = (opts.rules ?? []).map((r) => ({ kind: r.kind, glob: compileGlob(r.pattern) }));
    if (opts.filesFrom) {
      this.listed = new Set();
      this.listedAncestors = new Set(['']);
      for (const raw of opts.filesFrom) {
        // "./a//b/./c/" -> "a/b/c": lists made with find . work as they are
        const p = raw.split('/').filter((part) => part !== '' && part !== '.').join('/');
        if (p === '' || p === '.') { this.listed.add(''); continue; }
        this.listed.add(p);
        for (let i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) this.listedAncestors.add(p.slice(0, i));
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
    if (this.listed && !insideListedDir && !this.listed.has(relPath) && !(isDir && this.listedAncestors?.has(relPath))) return false;
    if (e.type === 'file') {
      if (e.size < this.minSize || e.size > this.maxSize) return false;
      if (this.newestNs !== undefined && e.mtimeNs > this.newestNs) return false;
      if (this.oldestNs !== undefined && e.mtimeNs < this.oldestNs) return false;
    }
    return true;
  }

  /** True when everything below relPath is wanted by the file list (or there is no list). */
  coversSubtree(relPath: string): boolean {
    return !this.listed || this.listed.has('') || this.listed.has(relPath);
  }
}
