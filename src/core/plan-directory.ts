// The sync planner for one directory pair: compares the source and destination
// listings and says what to copy, fix, create, descend into and delete.
import { anyMeta, compareContent, metaDiff } from './compare.js';
import { isSpecial, joinRel, type Entry } from './entry.js';
import type { PathFilter } from './filter.js';
import type { SyncOptions } from './sync-options.js';
import { journalNameFor, ownTemporaries, partialNameFor } from './temp-names.js';

export interface CopyItem {
  rel: string;
  src: Entry;
  /** the destination file it replaces, if any */
  dst: Entry | undefined;
  /** --checksum with equal sizes: compare content first, copy only if it differs */
  compareFirst: boolean;
  /** a symlink or special file on the destination that the copy replaces */
  replaces?: Entry['type'];
  /** copied whole, never in chunks: a source entry has its partial's name */
  whole?: true;
}

export interface DescendItem {
  rel: string;
  src: Entry;
  dst: Entry | undefined;
  /** the destination directory exists (else it is created before the scan) */
  dstExists: boolean;
  insideListedDir: boolean;
}

export interface DirPlan {
  copies: CopyItem[];
  /** content up to date; only metadata (mode, owner, mtime) to set */
  metas: { rel: string; src: Entry }[];
  symlinks: { rel: string; src: Entry; dst: Entry | undefined }[];
  mkdirs: { rel: string; src: Entry }[];
  descend: DescendItem[];
  /** destination entries of another type that must go before the source entry lands */
  replaces: { rel: string; dst: Entry; src: Entry }[];
  deletes: { rel: string; dst: Entry }[];
  specials: { rel: string; src: Entry }[];
  /** barge's own temporary files left by an earlier run (ownTemporaries says which are its own) */
  staleTemps: string[];
  /** paths the --files-from list wants here that the source does not have: [path, as listed, the type of what is there instead of a directory] */
  missingListed: [string, string, string?][];
  upToDate: number;
  upToDateBytes: number;
  /** regular source files taken into account (after filters), and their bytes */
  filesSeen: number;
  bytesSeen: number;
  /** with --hard-links: up-to-date files that have other names (nlink > 1) */
  upToDateLinked: { rel: string; src: Entry; dst: Entry }[];
  /** source entries (after filters) with xattrs or ACLs that this run's -A / -X leave behind */
  xattrsNotCarried: number;
  /** anything in this directory changes, so its mtime must be set again afterwards */
  changes: boolean;
}

export interface PlanContext {
  opts: SyncOptions;
  filter: PathFilter;
  resolutionNs: bigint;
  /** files smaller than this are copied even when the quick check finds them up to date (ScanTask.copyAgain) */
  copyAgainBelow?: number;
}

export function planDirectory(rel: string, src: Entry[], dst: Entry[] | undefined, insideListedDir: boolean, ctx: PlanContext): DirPlan {
  const { opts, filter, resolutionNs } = ctx;
  const plan: DirPlan = {
    copies: [], metas: [], symlinks: [], mkdirs: [], descend: [], replaces: [], deletes: [], specials: [],
    staleTemps: [], missingListed: [], upToDate: 0, upToDateBytes: 0, filesSeen: 0, bytesSeen: 0, upToDateLinked: [], changes: false, xattrsNotCarried: 0,
  };
  const srcNames = new Set(src.map((s) => s.name));
  plan.staleTemps = ownTemporaries(dst ?? [], srcNames, () => [...srcNames, ...(dst ?? []).map((d) => d.name)]);
  const stale = new Set(plan.staleTemps);
  const dstByName = new Map<string, Entry>();
  for (const d of dst ?? []) {
    if (!stale.has(d.name)) dstByName.set(d.name, d);
  }

  for (const s of src) {
    const path = joinRel(rel, s.name);
    if (!filter.accepts(path, s, insideListedDir)) {
      dstByName.delete(s.name); // excluded on the source: its destination twin is left alone
      continue;
    }
    const d = dstByName.get(s.name);
    dstByName.delete(s.name);
    if (s.xattrsNotCarried) plan.xattrsNotCarried++;
    if (isSpecial(s.type)) {
      plan.specials.push({ rel: path, src: s });
      continue;
    }
    if (d && opts.ignoreExisting && (d.type !== s.type || s.type !== 'dir')) {
      plan.upToDate++;
      if (s.type === 'file') { plan.filesSeen++; plan.bytesSeen += s.size; }
      continue;
    }
    if (d && (d.type === 'dir') !== (s.type === 'dir')) {
      plan.replaces.push({ rel: path, dst: d, src: s });
    }
    const sameType = d !== undefined && d.type === s.type;
    switch (s.type) {
      case 'dir': {
        if (!sameType) plan.mkdirs.push({ rel: path, src: s });
        plan.descend.push({
          rel: path, src: s, dst: sameType ? d : undefined, dstExists: sameType,
          insideListedDir: insideListedDir || filter.coversSubtree(path),
        });
        break;
      }
      case 'symlink': {
        if (sameType && d.linkTarget === s.linkTarget) {
          const m = metaDiff(s, d, opts.preserveOwner, resolutionNs);
          if (anyMeta(m)) plan.metas.push({ rel: path, src: s });
        } else plan.symlinks.push({ rel: path, src: s, dst: d });
        break;
      }
      case 'file': {
        plan.filesSeen++;
        plan.bytesSeen += s.size;
        if (!sameType) {
          // a directory in the way is a replace of its own (above); a symlink or special file goes with the copy
          const replaces = d && d.type !== 'dir' ? { replaces: d.type } : {};
          plan.copies.push({ rel: path, src: s, dst: undefined, compareFirst: false, ...replaces });
          break;
        }
        const verdict = compareContent(s, d, opts.compare, resolutionNs);
        if (verdict === 'differs') plan.copies.push({ rel: path, src: s, dst: d, compareFirst: false });
        else if (verdict === 'hash-both') plan.copies.push({ rel: path, src: s, dst: d, compareFirst: true });
        else if (ctx.copyAgainBelow !== undefined && s.size < ctx.copyAgainBelow && !(opts.hardLinks && s.nlink > 1)) plan.copies.push({ rel: path, src: s, dst: d, compareFirst: false });
        else if (anyMeta(metaDiff(s, d, opts.preserveOwner, resolutionNs))) plan.metas.push({ rel: path, src: s });
        else { plan.upToDate++; plan.upToDateBytes += s.size; }
        if (opts.hardLinks && s.nlink > 1 && verdict !== 'differs' && verdict !== 'hash-both') plan.upToDateLinked.push({ rel: path, src: s, dst: d });
        break;
      }
      default:
        break;
    }
  }

  // a large file's partial and journal have fixed names beside it; where the source holds
  // an entry of either name (a name of barge's shape, copied like any other), the file is
  // copied whole under a fresh temporary name instead, so that neither clobbers the other
  for (const c of plan.copies) {
    if (c.src.size >= opts.chunkCutoff && (srcNames.has(partialNameFor(c.src.name)) || srcNames.has(journalNameFor(c.src.name)))) c.whole = true;
  }
  plan.missingListed = filter.missingListed(rel, src);
  if (opts.delete) {
    for (const d of dstByName.values()) {
      const path = joinRel(rel, d.name);
      if (filter.accepts(path, d, insideListedDir)) plan.deletes.push({ rel: path, dst: d });
    }
  }
  // metas of files change nothing in the directory itself; everything else does
  plan.changes = plan.copies.length + plan.symlinks.length + plan.mkdirs.length + plan.replaces.length +
    plan.deletes.length + plan.staleTemps.length > 0;
  return plan;
}
