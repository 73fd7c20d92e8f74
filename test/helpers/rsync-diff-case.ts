// What a case of test/rsync-differential.test.ts is, and the helpers the cases share.
// Each case builds a source, optionally a destination that exists before the run (built
// the same way into both destinations, so both tools start from equal trees), and names
// the flags, which mean the same to rsync and to barge.
//
// Every source entry gets a time seconds away from the run's: rsync 3.5 leaves a directory,
// symlink or device it makes with its own time when the source's falls in the same whole
// second (it compares seconds before setting the time), where barge sets the source's.
import { mkdirSync } from 'node:fs';
import { TreeBuilder } from './tree-builder.js';

/** a difference that is on purpose (documented in the README), with the reason */
export interface KnownDifference {
  /** field name of tree-listing's Difference ('missing', 'extra', 'type', 'mode', 'mtime', …) */
  field: string;
  /** the relative path, UTF-8 */
  path: RegExp;
  why: string;
}

export interface DiffCase {
  name: string;
  /** the rsync test whose intent this case follows, in words */
  intent: string;
  /** given to both tools */
  flags: string[];
  /** given to rsync only, where barge's meaning needs it spelled out (rsync -a --files-from needs -r) */
  rsyncFlags?: string[];
  /** given to barge only: its own knobs that change how, not what, it copies */
  bargeFlags?: string[];
  /** --files-from's content (written to a file; the flag is added for both tools) */
  filesFrom?: Buffer;
  src(root: string): void;
  /** the destination before the run, made in each destination alike */
  dst?(root: string): void;
  /** for updates between runs: both tools sync, then this changes the source, then both sync again */
  change?(root: string): void;
  /** record allocated blocks (sparse files) */
  allocation?: boolean;
  /** run both tools under this umask (what they make must not depend on it) */
  umask?: string;
  needsRoot?: boolean;
  /** run both tools as nobody (through setpriv, needs root); the trees are given to nobody first */
  asNobody?: boolean;
  /** exit codes when not both 0: rsync's 23 ("some files were not transferred") is barge's 1 */
  exits?: { rsync: number; barge: number };
  known?: KnownDifference[];
  /** a difference that is a bug of barge's, reported, not yet fixed: the case runs as a todo */
  bug?: string;
}

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const text = (s: string): Buffer => Buffer.from(`${s}\n`);
export const asRoot = process.getuid?.() === 0;

/** one builder per tree, run to its end; `then` for what comes after the times are set */
export function build(root: string, make: (b: TreeBuilder) => void, then?: () => void): void {
  mkdirSync(root, { recursive: true });
  const b = new TreeBuilder(root);
  make(b);
  b.finish();
  then?.();
}

export const ROOT_TIME_FILES_FROM = {
  field: 'mtime', path: /^$/,
  why: "barge gives DST's root the source's time; rsync --files-from without a '.' line does not send the root and leaves it",
};

/** for --files-from: nested files, a directory with a subtree, files not listed */
export function filesFromTree(b: TreeBuilder): void {
  b.dir('a', 0o750);
  b.dir('a/b', 0o700);
  b.file('a/b/c.txt', text('c'), 0o644);
  b.file('a/b/d.txt', text('d, not listed'), 0o644);
  b.file('a/e.txt', text('e, not listed'), 0o644);
  b.file('top.txt', text('top'), 0o644);
  b.dir('dir', 0o755);
  b.file('dir/x', text('x'), 0o644);
  b.dir('dir/sub', 0o711);
  b.file('dir/sub/y', text('y'), 0o644);
  b.dir('other', 0o755);
  b.file('other/z', text('z, not listed'), 0o644);
}
